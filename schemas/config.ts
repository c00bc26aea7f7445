import { z } from 'zod';

/**
 * The one configuration schema shared by infra (validated at synth) and the transformation Lambda (the
 * `transform` part arrives as the JSON env var BEDROCK_O2_CONFIG and is validated once at cold start).
 * Every field has a `describe()` text: the README's configuration reference is generated from it.
 */

export const CONTENT_MODES = ['full', 'preview', 'hash', 'none'] as const;
export const ContentModeSchema = z
  .enum(CONTENT_MODES)
  .describe('What prompt/response content a row carries: full | preview | hash | none');
export type ContentMode = z.infer<typeof ContentModeSchema>;

export const DEFAULT_CONVERSATION_KEYS = [
  'conversationId',
  'conversation_id',
  'sessionId',
  'session_id',
  'threadId',
] as const;

const regexSource = z
  .string()
  .min(1)
  .max(512)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'g');
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

const contentSettingsShape = {
  contentMode: ContentModeSchema.optional(),
  maxContentBytes: z
    .int()
    .min(1024)
    .max(128 * 1024)
    .optional()
    .describe('Budget per content field in UTF-8 bytes before truncation (default 32768)'),
  redact: z
    .array(regexSource)
    .max(20)
    .optional()
    .describe('Regular expressions whose matches in text parts are replaced by [REDACTED]'),
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
    .regex(
      new RegExp(`^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\\d{12}:${kind}/.+$`),
      `must be a Bedrock ${kind} ARN (arn:aws:bedrock:<region>:<account>:${kind}/<id>)`,
    );

const modelIdOrProfileId = z
  .string()
  .regex(
    /^[a-z0-9-]+(\.[a-z0-9-]+)?\.[A-Za-z0-9._:-]+$/,
    'must be a Bedrock model id or system inference profile id, e.g. anthropic.claude-3-haiku-20240307-v1:0',
  );

/** The part of the configuration the Lambda needs. Kept small: Lambda env vars total at most 4 KB. */
export const TransformConfigSchema = z.strictObject({
  content: ContentSettingsSchema.prefault({}).describe('Default content settings for every log group'),
  logGroups: z
    .record(z.string().min(1).max(512), ContentSettingsSchema)
    .prefault({})
    .describe('Content settings per CloudWatch log group name, over the defaults'),
  conversationKeys: z
    .array(z.string().min(1).max(128))
    .max(20)
    .default([...DEFAULT_CONVERSATION_KEYS])
    .describe('requestMetadata keys that give gen_ai_conversation_id, first hit wins (case-sensitive)'),
  promoteMetadataKeys: z
    .union([z.literal('*'), z.array(z.string().min(1).max(128)).max(20)])
    .default('*')
    .describe('requestMetadata keys promoted to their own columns: "*" (first 20, sorted) or a list'),
  applicationProfiles: z
    .record(bedrockArn('application-inference-profile'), modelIdOrProfileId)
    .prefault({})
    .describe(
      'Application inference profile ARN -> model id or system profile id (gives geo and price tier)',
    ),
  modelArns: z
    .record(
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:(provisioned-model|custom-model-deployment|imported-model|custom-model|prompt|prompt-router|default-prompt-router)\/.+$/,
          'must be a Bedrock provisioned-model, custom-model-deployment, imported-model, custom-model, prompt or prompt-router ARN',
        ),
      modelIdOrProfileId,
    )
    .prefault({})
    .describe('Provisioned / custom / imported / prompt ARN -> the model id it runs'),
  ingestWindowHours: z
    .number()
    .positive()
    .max(24 * 365)
    .default(5)
    .describe("OpenObserve's ZO_INGEST_ALLOWED_UPTO: older rows are flagged, never restamped"),
  nonBedrockLines: z
    .enum(['keep', 'drop'])
    .default('keep')
    .describe('Log lines that are not Bedrock invocation logs: keep as source_type "log" rows, or drop'),
  maxDecompressedBytes: z
    .int()
    .min(1024 * 1024)
    .max(256 * 1024 * 1024)
    .default(32 * 1024 * 1024)
    .describe('Upper bound on one record after gunzip; a larger record fails (gzip-bomb guard)'),
  reingestStreamName: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,64}$/)
    .optional()
    .describe(
      'Stream for re-ingesting records that overflow the 6 MB response (default: the calling stream)',
    ),
});
export type TransformConfigInput = z.input<typeof TransformConfigSchema>;
export type TransformConfig = z.output<typeof TransformConfigSchema>;

/** Content settings for one log group: its own over the defaults over the built-ins. */
export function contentSettingsFor(config: TransformConfig, logGroup: string | undefined): ContentSettings {
  const own = logGroup === undefined ? undefined : config.logGroups[logGroup];
  return {
    contentMode: own?.contentMode ?? config.content.contentMode ?? DEFAULT_CONTENT_SETTINGS.contentMode,
    maxContentBytes:
      own?.maxContentBytes ?? config.content.maxContentBytes ?? DEFAULT_CONTENT_SETTINGS.maxContentBytes,
    redact: own?.redact ?? config.content.redact ?? DEFAULT_CONTENT_SETTINGS.redact,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Deployment (infra) configuration: cdk.json context `bedrockO2`, or a JSON file named by context
// `bedrockO2ConfigFile`.
// ---------------------------------------------------------------------------------------------------------

const LogGroupSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[\w\-/.#]{1,512}$/, 'must be a CloudWatch log group name')
    .describe('The Bedrock invocation log group'),
  create: z
    .boolean()
    .default(false)
    .describe('Create the log group (else it must exist; Bedrock does not create it)'),
  retentionDays: z.int().positive().optional().describe('Retention when created (days)'),
  ...contentSettingsShape,
});

const BedrockLoggingSchema = z.strictObject({
  manage: z
    .boolean()
    .default(false)
    .describe(
      'Let the stack own the account+region Bedrock invocation-logging configuration (custom resource)',
    ),
  overwriteExisting: z
    .boolean()
    .default(false)
    .describe('Replace a configuration that already exists (otherwise the deploy fails and says so)'),
  textDataDeliveryEnabled: z.boolean().default(true),
  imageDataDeliveryEnabled: z.boolean().default(false),
  embeddingDataDeliveryEnabled: z.boolean().default(false),
  videoDataDeliveryEnabled: z.boolean().default(false),
  largeDataBucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
    .optional()
    .describe('S3 bucket for bodies over ~100 KB (same account and region)'),
});

const RegionDeploymentSchema = z.strictObject({
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1'),
  logGroups: z.array(LogGroupSchema).min(1).describe('Bedrock invocation log groups to subscribe'),
  bedrockLogging: BedrockLoggingSchema.optional(),
  metricStream: z.boolean().default(true).describe('Stream AWS/Bedrock metrics to OpenObserve'),
  secretArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/)
    .optional()
    .describe('Per-region override of the OpenObserve secret (Firehose needs a secret in its own region)'),
  alarmTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:.+$/)
    .optional(),
});

const httpsUrl = z
  .url()
  .refine((value) => value.startsWith('https://'), 'must be https:// (Firehose only delivers over HTTPS)')
  .refine((value) => {
    const port = new URL(value).port;
    return port === '' || port === '443';
  }, 'must use port 443 (Firehose HTTP endpoints only deliver to 443)');

export const DeployConfigSchema = z.strictObject({
  openobserve: z.strictObject({
    url: httpsUrl.describe('OpenObserve base URL, e.g. https://o2.example.com (with ZO_BASE_URI if any)'),
    organisation: z.string().min(1).default('default'),
    invocationsStream: z
      .string()
      .regex(/^[a-zA-Z0-9_]+$/)
      .default('bedrock_invocations'),
    metricsStream: z
      .string()
      .regex(/^[a-zA-Z0-9_]+$/)
      .default('bedrock_metrics'),
  }),
  secret: z
    .union([
      z.strictObject({
        arn: z
          .string()
          .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a secret ARN'),
      }),
      z.strictObject({ create: z.literal(true), name: z.string().min(1).max(512).optional() }),
    ])
    .prefault({ create: true })
    .describe('Secrets Manager secret {"api_key": "<base64 email:token>"}: an existing ARN or create one'),
  regions: z.array(RegionDeploymentSchema).min(1),
  firehose: z
    .strictObject({
      logsStreamName: z
        .string()
        .regex(/^[a-zA-Z0-9_.-]{1,64}$/)
        .default('bedrock-o2-logs'),
      metricsStreamName: z
        .string()
        .regex(/^[a-zA-Z0-9_.-]{1,64}$/)
        .default('bedrock-o2-metrics'),
      processorBufferMiB: z.number().min(0.2).max(3).default(1),
      processorIntervalSeconds: z.int().min(0).max(900).default(60),
      processorRetries: z.int().min(0).max(10).default(3),
      httpBufferMiB: z.int().min(1).max(64).default(5),
      httpIntervalSeconds: z.int().min(0).max(900).default(60),
      retrySeconds: z.int().min(0).max(7200).default(3600),
    })
    .prefault({}),
  lambda: z
    .strictObject({
      memoryMiB: z.int().min(256).max(10240).default(1024),
      timeoutSeconds: z.int().min(10).max(300).default(120),
    })
    .prefault({}),
  transform: TransformConfigSchema.omit({ logGroups: true })
    .prefault({})
    .describe('Lambda settings; per-log-group content settings come from regions[].logGroups'),
  backup: z
    .strictObject({
      expireAfterDays: z.int().min(1).default(90),
      infrequentAccessAfterDays: z.int().min(30).optional(),
    })
    .prefault({}),
  alarms: z
    .strictObject({
      enabled: z.boolean().default(true),
      email: z.email().optional().describe('Subscribe this address to a created SNS topic'),
      freshnessSeconds: z.int().positive().default(900),
    })
    .prefault({}),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).prefault({}),
});
export type DeployConfigInput = z.input<typeof DeployConfigSchema>;
export type DeployConfig = z.output<typeof DeployConfigSchema>;

/** One line per issue, each naming the path in the config, e.g. `regions[1].logGroups[0].contentMode: …`. */
export function formatConfigIssues(error: z.ZodError, root = ''): string {
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
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ConfigError(`invalid configuration in ${where}:\n${formatConfigIssues(result.error)}`);
  }
  return result.data;
}
