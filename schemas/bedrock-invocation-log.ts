import { z } from 'zod';

/**
 * The stable envelope of a Bedrock model invocation log (bedrock-log-schema.md §2). Bodies have no shared
 * schema (each provider normaliser reads its own), so they are `unknown` here. Unknown keys pass through:
 * Bedrock adds fields over time.
 */
export const BedrockInvocationLogSchema = z.looseObject({
  schemaType: z.literal('ModelInvocationLog'),
  schemaVersion: z.string(),
  timestamp: z.string(),
  accountId: z.string(),
  identity: z.looseObject({ arn: z.string() }),
  region: z.string(),
  requestId: z.string(),
  operation: z.string(),
  modelId: z.string(),
  inferenceRegion: z.string().optional(),
  requestMetadata: z.record(z.string(), z.unknown()).optional(),
  errorCode: z.string().optional(),
  input: z.looseObject({
    inputContentType: z.string().optional(),
    inputBodyJson: z.unknown().optional(),
    inputBodyS3Path: z.string().optional(),
    inputTokenCount: z.number().int().nonnegative().nullable().optional(),
    cacheReadInputTokenCount: z.number().int().nonnegative().nullable().optional(),
    cacheWriteInputTokenCount: z.number().int().nonnegative().nullable().optional(),
  }),
  output: z
    .looseObject({
      outputContentType: z.string().optional(),
      outputBodyJson: z.unknown().optional(),
      outputBodyS3Path: z.string().optional(),
      outputTokenCount: z.number().int().nonnegative().nullable().optional(),
    })
    .optional(),
});
export type BedrockInvocationLog = z.infer<typeof BedrockInvocationLogSchema>;
