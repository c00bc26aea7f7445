import { z } from 'zod';

/**
 * The Firehose data-transformation contract (aws-contracts.md §1). The Lambda trusts Firehose and reads the
 * event with total accessors; the CLI validates captured events with this schema before running them.
 *
 * @example
 * {"invocationId":"…","deliveryStreamArn":"arn:aws:firehose:us-east-1:123456789012:deliverystream/bedrock-o2-logs",
 *  "region":"us-east-1","records":[{"recordId":"49…","approximateArrivalTimestamp":1743096168000,"data":"H4sI…"}]}
 */
export const FirehoseTransformationEventSchema = z.looseObject({
  invocationId: z.string().optional(),
  deliveryStreamArn: z.string().optional(),
  sourceKinesisStreamArn: z.string().optional(),
  region: z.string().optional(),
  records: z.array(
    z.looseObject({
      recordId: z.string().min(1),
      approximateArrivalTimestamp: z.number().optional(),
      data: z.string(),
    }),
  ),
});
export type FirehoseTransformationEventInput = z.infer<typeof FirehoseTransformationEventSchema>;

export const FirehoseResultRecordSchema = z.strictObject({
  recordId: z.string(),
  result: z.enum(['Ok', 'Dropped', 'ProcessingFailed']),
  data: z.string().optional(),
  metadata: z.object({ partitionKeys: z.record(z.string(), z.string()) }).optional(),
});

export const FirehoseTransformationResultSchema = z.strictObject({
  records: z.array(FirehoseResultRecordSchema),
});

/** What Firehose POSTs to an HTTP endpoint (aws-contracts.md §3.1); the demo delivers in this shape. */
export const FirehoseHttpRequestSchema = z.strictObject({
  requestId: z.string(),
  timestamp: z.number(),
  records: z
    .array(z.strictObject({ data: z.string() }))
    .min(1)
    .max(10_000),
});

/** What the endpoint must answer: only 200 with the same requestId is success. */
export const FirehoseHttpResponseSchema = z.looseObject({
  requestId: z.string(),
  timestamp: z.number(),
  errorMessage: z.string().optional(),
});
