import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * The Lambda's part of the configuration (BEDROCK_O2_CONFIG), validated once at cold start. It is part of the
 * one configuration schema (schemas/config.ts re-exports it and embeds it in the deployment config), but is
 * written with zod/mini: the Lambda loads it on every cold start, and the full zod build costs ~40 ms to
 * import against ~10 ms for this one (measured on the esbuild bundle).
 */

// zod/mini ships without messages; English ones make errors such as `content.maxContentBytes: Too small…`.
z.config(en());

export const CONTENT_MODES = ['full', 'preview', 'hash', 'none'] as const;
export const ContentModeSchema = z
  .enum(CONTENT_MODES)
  .check(z.describe('What prompt/response content a row carries: full | preview | hash | none'));
export type ContentMode = z.infer<typeof ContentModeSchema>;

export const DEFAULT_CONVERSATION_KEYS = [
  'conversationId',
  'conversation_id',
  'sessionId',
  'session_id',
  'threadId',
] as const;

const regexSource = z.string().check(
  z.minLength(1),
  z.maxLength(512),
  z.superRefine((source, ctx) => {
    try {
      new RegExp(source, 'g');
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  }),
);

export const contentSettingsShape = {
  contentMode: z.optional(ContentModeSchema),
  maxContentBytes: z.optional(
    z.int().check(
      z.gte(1024),
      // Four content fields at this size plus metadata keep a row under the 256 KiB of record-schema §4.6.
      z.lte(40 * 1024),
      z.describe('Budget per content field in UTF-8 bytes before truncation (default 32768, at most 40960)'),
    ),
  ),
  redact: z.optional(
    z
      .array(regexSource)
      .check(
        z.maxLength(20),
        z.describe('Regular expressions replaced by [REDACTED] wherever content appears (README: Redaction)'),
      ),
  ),
};

/** Content settings as written in config: every field optional, merged over the defaults. */
export const ContentSettingsSchema = z.strictObject(contentSettingsShape);
export type ContentSettingsInput = z.infer<typeof ContentSettingsSchema>;

/** Content settings after defaults are applied, as the normaliser uses them. */
export interface ContentSettings {
  readonly contentMode: ContentMode;
  readonly maxContentBytes: number;
  readonly redact: readonly string[];
}

export const DEFAULT_CONTENT_SETTINGS: ContentSettings = {
  contentMode: 'full',
  maxContentBytes: 32 * 1024,
  redact: [],
};

const bedrockArn = (kind: string) =>
  z
    .string()
    .check(
      z.regex(
        new RegExp(`^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\\d{12}:${kind}/.+$`),
        `must be a Bedrock ${kind} ARN (arn:aws:bedrock:<region>:<account>:${kind}/<id>)`,
      ),
    );

const modelIdOrProfileId = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9-]+(\.[a-z0-9-]+)?\.[A-Za-z0-9._:-]+$/,
      'must be a Bedrock model id or system inference profile id, e.g. anthropic.claude-3-haiku-20240307-v1:0',
    ),
  );

const MODEL_ARN =
  /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:(provisioned-model|custom-model-deployment|imported-model|custom-model|prompt|prompt-router|default-prompt-router)\/.+$/;

const MIB = 1024 * 1024;

/** The log sources a hydration location serves (the `aws_bedrock_log_source` values). */
export const HYDRATION_LOG_SOURCES = ['cloudwatch_logs', 's3'] as const;

/**
 * One place offloaded bodies may be read from: `s3://<bucketName>/<prefix>AWSLogs/<accountId>/
 * BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/data/<requestId>_{input,output}.json.gz`, for logs that
 * arrived by the listed sources. A path in a log is read only when it matches one of these exactly.
 */
export const HydrationLocationSchema = z.strictObject({
  bucketName: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
  prefix: z._default(
    z
      .string()
      .check(
        z.maxLength(512),
        z.regex(/^[A-Za-z0-9!_.'()/-]*$/, "must use only S3's safe characters: A-Z a-z 0-9 ! _ . ' ( ) / -"),
      ),
    '',
  ),
  accountId: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
  region: z.string().check(z.regex(/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region')),
  logSources: z.array(z.enum(HYDRATION_LOG_SOURCES)).check(z.minLength(1), z.maxLength(2)),
});
export type HydrationLocation = z.output<typeof HydrationLocationSchema>;

export const HydrationSettingsSchema = z.strictObject({
  locations: z.array(HydrationLocationSchema).check(z.minLength(1), z.maxLength(4)),
  concurrency: z._default(
    z.int().check(z.gte(1), z.lte(32), z.describe('How many GetObject calls run at the same time')),
    8,
  ),
  maxObjectBytes: z._default(
    z
      .int()
      .check(
        z.gte(64 * 1024),
        z.lte(64 * MIB),
        z.describe('Most one body may gunzip to; the Lambda lowers it to 1/16 of its memory'),
      ),
    16 * MIB,
  ),
});
export type HydrationSettings = z.output<typeof HydrationSettingsSchema>;

export const transformConfigShape = {
  content: z.prefault(
    ContentSettingsSchema.check(z.describe('Default content settings for every log group')),
    {},
  ),
  logGroups: z._default(
    z
      .record(z.string().check(z.minLength(1), z.maxLength(512)), ContentSettingsSchema)
      .check(z.describe('Content settings per CloudWatch log group name, over the defaults')),
    {},
  ),
  conversationKeys: z._default(
    z
      .array(z.string().check(z.minLength(1), z.maxLength(128)))
      .check(
        z.maxLength(20),
        z.describe('requestMetadata keys that give gen_ai_conversation_id, first hit wins (case-sensitive)'),
      ),
    [...DEFAULT_CONVERSATION_KEYS],
  ),
  promoteMetadataKeys: z._default(
    z
      .union([
        z.literal('*'),
        z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(20)),
      ])
      .check(
        z.describe('requestMetadata keys promoted to their own columns: "*" (first 20, sorted) or a list'),
      ),
    '*',
  ),
  applicationProfiles: z._default(
    z
      .record(bedrockArn('application-inference-profile'), modelIdOrProfileId)
      .check(
        z.describe(
          'Application inference profile ARN -> model id or system profile id (gives geo and price tier)',
        ),
      ),
    {},
  ),
  modelArns: z._default(
    z
      .record(
        z
          .string()
          .check(
            z.regex(
              MODEL_ARN,
              'must be a Bedrock provisioned-model, custom-model-deployment, imported-model, custom-model, prompt or prompt-router ARN',
            ),
          ),
        modelIdOrProfileId,
      )
      .check(z.describe('Provisioned / custom / imported / prompt ARN -> the model id it runs')),
    {},
  ),
  ingestWindowHours: z._default(
    z
      .number()
      .check(
        z.positive(),
        z.lte(24 * 365),
        z.describe("OpenObserve's ZO_INGEST_ALLOWED_UPTO: older rows are flagged, never restamped"),
      ),
    5,
  ),
  nonBedrockLines: z._default(
    z
      .enum(['keep', 'drop'])
      .check(
        z.describe('Log lines that are not Bedrock invocation logs: keep as source_type "log" rows, or drop'),
      ),
    'keep',
  ),
  maxDecompressedBytes: z._default(
    z
      .int()
      .check(
        z.gte(1024 * 1024),
        z.lte(256 * 1024 * 1024),
        z.describe(
          'Most one record may gunzip to (gzip-bomb guard); the Lambda lowers it to 1/8 of its memory',
        ),
      ),
    32 * 1024 * 1024,
  ),
  hydrateLargeBodies: z.optional(
    HydrationSettingsSchema.check(
      z.describe(
        'Read bodies Bedrock offloaded to S3 back into the content fields (set by the stack from regions[])',
      ),
    ),
  ),
  reingestStreamName: z.optional(
    z
      .string()
      .check(
        z.regex(/^[a-zA-Z0-9_.-]{1,64}$/),
        z.describe(
          'Stream for re-ingesting records that overflow the 6 MB response (default: the calling stream)',
        ),
      ),
  ),
};

/** The part of the configuration the Lambda needs. Kept small: Lambda env vars total at most 4 KB. */
export const TransformConfigSchema = z.strictObject(transformConfigShape);
export type TransformConfigInput = z.input<typeof TransformConfigSchema>;
export type TransformConfig = z.output<typeof TransformConfigSchema>;

/** Content settings for one log group: its own over the defaults over the built-ins. */
export function contentSettingsFor(config: TransformConfig, logGroup: string | undefined): ContentSettings {
  // The log group name comes from the log envelope: own properties only (`constructor` is a valid name).
  const own =
    logGroup === undefined || !Object.hasOwn(config.logGroups, logGroup)
      ? undefined
      : config.logGroups[logGroup];
  return {
    contentMode: own?.contentMode ?? config.content.contentMode ?? DEFAULT_CONTENT_SETTINGS.contentMode,
    maxContentBytes:
      own?.maxContentBytes ?? config.content.maxContentBytes ?? DEFAULT_CONTENT_SETTINGS.maxContentBytes,
    redact: own?.redact ?? config.content.redact ?? DEFAULT_CONTENT_SETTINGS.redact,
  };
}

/** One line per issue, each naming the path in the config, e.g. `regions[1].logGroups[0].contentMode: …`. */
export function formatConfigIssues(
  error: { readonly issues: readonly z.core.$ZodIssue[] },
  root = '',
): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, key) =>
          typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
        root,
      );
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parse or throw a ConfigError whose message lists every bad path. */
export function parseConfig<S extends z.core.$ZodType>(
  schema: S,
  value: unknown,
  where: string,
): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) {
    throw new ConfigError(`invalid configuration in ${where}:\n${formatConfigIssues(result.error)}`);
  }
  return result.data;
}
