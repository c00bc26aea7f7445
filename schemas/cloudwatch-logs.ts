import { z } from 'zod';

/**
 * The CloudWatch Logs subscription payload, gzip'd in each Firehose record (aws-contracts.md §4.1). The
 * Lambda checks it by hand on the hot path (decode.ts); tests and fixtures are validated with this.
 *
 * @example
 * {"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"bedrock/model-invocations",
 *  "logStream":"aws/bedrock/modelinvocations","subscriptionFilters":["bedrock-o2"],
 *  "logEvents":[{"id":"3819…","timestamp":1743096168000,"message":"{\"schemaType\":\"ModelInvocationLog\",…}"}]}
 */
export const LogEventSchema = z.looseObject({
  id: z.string(),
  timestamp: z.number(),
  message: z.string(),
});

export const CloudWatchLogsEnvelopeSchema = z.discriminatedUnion('messageType', [
  z.looseObject({
    messageType: z.literal('DATA_MESSAGE'),
    owner: z.string(),
    logGroup: z.string(),
    logStream: z.string(),
    subscriptionFilters: z.array(z.string()),
    logEvents: z.array(LogEventSchema),
  }),
  z.looseObject({
    messageType: z.literal('CONTROL_MESSAGE'),
    owner: z.string().optional(),
    logGroup: z.string().optional(),
    logStream: z.string().optional(),
    subscriptionFilters: z.array(z.string()).optional(),
    logEvents: z.array(LogEventSchema).optional(),
  }),
]);
export type CloudWatchLogsEnvelope = z.infer<typeof CloudWatchLogsEnvelopeSchema>;
