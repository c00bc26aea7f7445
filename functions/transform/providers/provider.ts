import type { NormaliserId, OperationName, WarningCode } from '../../../schemas/invocation-row.ts';
import type { Message, MessagePart } from '../row/messages.ts';

/**
 * The contract of a provider normaliser: one file per provider, the file name is the id (kebab-case of it).
 * A provider reads only the two bodies; everything that comes from the envelope (tokens, model, caller,
 * status, time) and everything Bedrock adds to any stream (`amazon-bedrock-invocationMetrics`,
 * `amazon-bedrock-guardrailAction`) is done once in normalise.ts.
 */

export interface ProviderInput {
  /** Envelope `operation` as logged. */
  readonly operation: string | undefined;
  /** True for InvokeModelWithResponseStream / ConverseStream. */
  readonly streaming: boolean;
  /** Resolved vendor (`anthropic`, `amazon`, …) or `unknown` (unresolved ARN). */
  readonly vendor: string;
  /** Resolved foundation model id, e.g. `amazon.titan-embed-text-v2:0`; undefined if unresolved. */
  readonly model: string | undefined;
  /** `input.inputBodyJson`: an object, or undefined/null when offloaded to S3 or absent. */
  readonly inputBody: unknown;
  /**
   * `output.outputBodyJson`: an object; for InvokeModelWithResponseStream an array of decoded chunks (may
   * contain non-objects such as "[DONE]"); undefined/null when offloaded, absent or on error.
   */
  readonly outputBody: unknown;
}

/** Usage as a body reports it. `inputTokens` EXCLUDES cache reads/writes (convert if the body includes them). */
export interface BodyUsage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cacheReadTokens?: number | undefined;
  cacheWriteTokens?: number | undefined;
  reasoningTokens?: number | undefined;
}

/** What a provider extracts. Every field is optional: leave out what the body does not say. */
export interface ProviderFields {
  operationName: OperationName;
  /** System prompt parts (text parts). */
  system?: MessagePart[] | undefined;
  input?: Message[] | undefined;
  /** The response as messages; stream chunks assembled. */
  output?: Message[] | undefined;
  usage?: BodyUsage | undefined;
  /** The provider's own stop/finish reason, verbatim (normalise.ts maps it to the closed list). */
  stopReason?: string | undefined;
  responseId?: string | undefined;
  /** The model the body names (Anthropic `model`), used only to resolve application profiles. */
  bodyModel?: string | undefined;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  topP?: number | undefined;
  topK?: number | undefined;
  /** Only where the body itself reports latency (Converse metrics.latencyMs, AI21 meta.requestDurationMillis). */
  latencyMs?: number | undefined;
  /** Only where the provider's own body reports a guardrail (Converse trace.guardrail). */
  guardrailAction?: 'INTERVENED' | 'NONE' | undefined;
  embeddingCount?: number | undefined;
  /** Images in the response. */
  imageCount?: number | undefined;
  /** Images the request asked for; counted only when the response is offloaded to S3 (not in the log). */
  requestedImageCount?: number | undefined;
  /** Size of the generated images as the request sets it (or the API default); image models bill by it. */
  imageWidth?: number | undefined;
  imageHeight?: number | undefined;
  /** `premium` where the request asks for it (Titan/Nova `quality`, SDXL steps > 50); else `standard`. */
  imageQuality?: 'standard' | 'premium' | undefined;
  /** Codes from the closed list (record-schema §4.10), e.g. stream_incomplete, tool_arguments_unparsable. */
  warnings?: WarningCode[] | undefined;
}

export interface Provider {
  readonly id: NormaliserId;
  /** Vendors (first segment of the model id) this provider serves. */
  readonly vendors: readonly string[];
  /**
   * A cheap shape test: does this provider understand these bodies? Used to pick among the providers of a
   * vendor (amazon → nova / titan_text / titan_embed / titan_image) and, for models whose vendor is unknown
   * (imported, custom, provisioned ARNs), to pick by shape alone. Must be true for an input-only log (output
   * offloaded or error) whose input body has this provider's shape.
   */
  accepts(input: ProviderInput): boolean;
  /** Extract the fields. Tolerant: odd or missing parts read as absent. Never copies base64 or vectors. */
  normalise(input: ProviderInput): ProviderFields;
}
