import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { contentSettingsShape, transformConfigShape } from './transform-config.ts';

/**
 * The one configuration schema shared by infra (validated at synth) and the transformation Lambda (the
 * `transform` part arrives as the JSON env var BEDROCK_O2_CONFIG and is validated once at cold start).
 * Every field has a description: the configuration reference in docs/deploy.md is generated from it.
 * The Lambda's part lives in transform-config.ts (zod/mini, for a short cold start) and is re-exported here;
 * the deployment part below embeds it.
 */

export * from './transform-config.ts';

// ---------------------------------------------------------------------------------------------------------
// Deployment (infra) configuration: cdk.json context `bedrockO2`, or a JSON file named by context
// `bedrockO2ConfigFile`. Ranges are the services' own limits, because CloudFormation's validation misses
// several of them (HTTP buffer > 64 MiB, processor buffer > 3 MB).
// ---------------------------------------------------------------------------------------------------------

/** The retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
const retentionDays = z.literal(LOG_RETENTION_DAYS);

const ACCOUNT_PATTERN = /^\d{12}$/;
// Every partition's form: us-east-1, us-gov-west-1, us-isob-east-1, eu-isoe-west-1, eusc-de-east-1.
const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
/**
 * Regions aws-cdk-lib knows, across partitions. A well-formed typo (us-esat-1) would otherwise pass the pattern
 * and fail deep inside aws-cdk-lib (region-keyed tables) with a stack trace.
 */
const KNOWN_REGIONS: readonly string[] = RegionInfo.regions.map((region) => region.name);
const STREAM_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,64}$/;
// Complete ARN only (with the 6-character suffix Secrets Manager appends), so IAM grants need no wildcard.
const SECRET_ARN_PATTERN =
  /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/;
const SECRET_ARN_MESSAGE =
  'must be a complete Secrets Manager secret ARN (ending in the 6-character suffix, as the console shows it)';
const TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[\w-]{1,256}$/;

const firehoseStreamName = z
  .string()
  .regex(STREAM_NAME_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ . - (a Firehose stream name)');
const openObserveStreamName = z
  .string()
  .regex(/^[a-z0-9_]{1,256}$/, 'must be lower-case a-z 0-9 _ (OpenObserve lower-cases stream names)');

const LogGroupSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[\w\-/.#]{1,512}$/, 'must be a CloudWatch log group name (1-512 of A-Z a-z 0-9 _ - / . #)')
    .describe('Log group Bedrock writes invocation logs to; the stack subscribes it to the logs stream'),
  create: z
    .boolean()
    .default(false)
    .describe('Create the log group in this stack (retained on delete); otherwise it must already exist'),
  retentionDays: retentionDays
    .optional()
    .describe('Retention of a created log group in days (a CloudWatch Logs value; default 30)'),
  ...contentSettingsShape,
});

const BedrockLoggingSchema = z.strictObject({
  manage: z
    .boolean()
    .default(false)
    .describe('Set the account+region Bedrock invocation-logging configuration (custom resource)'),
  logGroupName: z.string().optional().describe('Which of logGroups[] Bedrock writes to (default: the first)'),
  overwriteExisting: z
    .boolean()
    .default(false)
    .describe(
      'Replace a configuration that points elsewhere, keeping its S3 destination (otherwise the deploy fails and says so)',
    ),
  textDataDeliveryEnabled: z.boolean().default(true).describe('Log text prompts and completions'),
  imageDataDeliveryEnabled: z.boolean().default(false).describe('Log image inputs and outputs'),
  embeddingDataDeliveryEnabled: z.boolean().default(false).describe('Log embeddings'),
  videoDataDeliveryEnabled: z.boolean().default(false).describe('Log video inputs and outputs'),
  audioDataDeliveryEnabled: z.boolean().default(false).describe('Log audio inputs and outputs'),
  largeDataBucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional()
    .describe(
      'S3 bucket (same account and region) for bodies over ~100 KB: manage sets it (the bucket policy is ' +
        'yours); else name the one your configuration uses (hydrateLargeBodies: true, alarm)',
    ),
});

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * A Bedrock S3 keyPrefix: S3's "safe characters" only, so event keys read the same whether or not a
 * notification URL-encodes them.
 */
function bedrockKeyPrefix(description: string) {
  return z
    .string()
    .max(512)
    .regex(/^[A-Za-z0-9!_.'()/-]*$/, "must use only S3's safe characters: A-Z a-z 0-9 ! _ . ' ( ) / -")
    .refine((prefix) => !prefix.startsWith('/'), 'must not start with /')
    .default('')
    .describe(description);
}

function kmsKeyArn(description: string) {
  return z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, 'must be a KMS key ARN')
    .optional()
    .describe(description);
}

const S3LogsSchema = z.strictObject({
  bucketName: z
    .string()
    .regex(BUCKET_NAME, 'must be an S3 bucket name')
    .describe('Bucket Bedrock writes invocation logs to (same account and region); it must already exist'),
  prefix: bedrockKeyPrefix("Bedrock's S3 keyPrefix (what comes before AWSLogs/); empty for none"),
  kmsKeyArn: kmsKeyArn(
    "The bucket's customer-managed KMS key, if it uses one (the S3 source gets kms:Decrypt on it)",
  ),
  hydrateLargeBodies: z
    .boolean()
    .default(false)
    .describe(
      'Read bodies Bedrock offloaded to data/ (over ~100 KB) back into the content fields: one S3 GetObject per offloaded body',
    ),
});

const LargeDataLocationSchema = z.strictObject({
  bucketName: z
    .string()
    .regex(BUCKET_NAME, 'must be an S3 bucket name')
    .describe("Bedrock's large-data bucket (cloudWatchConfig.largeDataDeliveryS3Config.bucketName)"),
  prefix: bedrockKeyPrefix('Its keyPrefix (what comes before AWSLogs/); empty for none'),
  kmsKeyArn: kmsKeyArn(
    "The bucket's customer-managed KMS key, if it uses one (the logs processor gets kms:Decrypt on it)",
  ),
});

const RegionDeploymentSchema = z.strictObject({
  account: z.string().regex(ACCOUNT_PATTERN, 'must be a 12-digit AWS account id').describe('AWS account id'),
  region: z
    .string()
    .regex(REGION_PATTERN, 'must be an AWS region such as us-east-1')
    .describe('AWS region; one stack per account and region'),
  allowUnknownRegion: z
    .boolean()
    .default(false)
    .describe(
      'Accept a region that aws-cdk-lib does not list yet (newer than the library); otherwise it is refused as a likely typo',
    ),
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'must be a CloudFormation stack name')
    .optional()
    .describe('Stack name (default BedrockO2-<region>)'),
  logGroups: z
    .array(LogGroupSchema)
    .max(10)
    .default([])
    .describe('Bedrock invocation log groups to subscribe, each with optional content settings'),
  s3Logs: S3LogsSchema.optional().describe(
    "Bedrock's S3 log destination to read new log objects from (an S3 source beside or instead of logGroups)",
  ),
  hydrateLargeBodies: z
    .union([z.boolean(), LargeDataLocationSchema])
    .default(false)
    .describe(
      'For logGroups: read bodies Bedrock offloaded to S3 back into the content fields. true reads ' +
        'bedrockLogging.largeDataBucketName; or name the bucket: { bucketName, prefix?, kmsKeyArn? }',
    ),
  bedrockLogging: BedrockLoggingSchema.prefault({}).describe(
    'Optional management of the Bedrock invocation-logging configuration',
  ),
  metricStream: z.boolean().default(true).describe('Stream the AWS/Bedrock metrics to OpenObserve'),
  secretArn: z
    .string()
    .regex(SECRET_ARN_PATTERN, SECRET_ARN_MESSAGE)
    .optional()
    .describe('Existing secret for this region (Firehose needs the secret in its own region)'),
  alarmTopicArn: z
    .string()
    .regex(TOPIC_ARN_PATTERN, 'must be an SNS topic ARN')
    .optional()
    .describe('Existing SNS topic (same region) for alarm notifications'),
});

/** The refinements below also run when `z.url()` has already failed, so they must not throw. */
const urlOf = (value: string): URL | undefined => (URL.canParse(value) ? new URL(value) : undefined);
const httpsUrl = z
  .url()
  .refine((value) => value.startsWith('https://'), 'must be https:// (Firehose only delivers over HTTPS)')
  .refine((value) => {
    const port = urlOf(value)?.port;
    return port === undefined || port === '' || port === '443';
  }, 'must use port 443 (Firehose HTTP endpoints only deliver to 443)')
  .refine((value) => {
    const url = urlOf(value);
    return url === undefined || (url.search === '' && url.hash === '');
  }, 'must not have a query or fragment (the ingestion path is appended to it)');

const TagKeySchema = z
  .string()
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u, 'must be a tag key (1-128 characters)')
  .refine((key) => !key.toLowerCase().startsWith('aws:'), 'must not start with aws: (reserved)');

export const DeployConfigSchema = z
  .strictObject({
    openobserve: z
      .strictObject({
        url: httpsUrl.describe('OpenObserve base URL, e.g. https://o2.example.com (with ZO_BASE_URI if any)'),
        organisation: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be an OpenObserve organisation id')
          .default('default')
          .describe('OpenObserve organisation id'),
        invocationsStream: openObserveStreamName
          .default('bedrock_invocations')
          .describe('OpenObserve stream for invocation rows'),
        metricsStream: openObserveStreamName
          .default('bedrock_metrics')
          .describe('OpenObserve stream for AWS/Bedrock metrics'),
      })
      .describe('Where Firehose delivers: <url>/aws/<organisation>/<stream>/_kinesis_firehose'),
    secret: z
      .strictObject({
        arn: z
          .string()
          .regex(SECRET_ARN_PATTERN, SECRET_ARN_MESSAGE)
          .optional()
          .describe('Existing secret {"api_key": "<base64 email:token>"} (same region as the stack)'),
        name: z
          .string()
          .regex(/^[\w/+=.@-]{1,512}$/, 'must be a Secrets Manager secret name')
          .default('bedrock-o2/openobserve')
          .describe('Name of the secret created in each region when no ARN is given; you put the key in'),
      })
      .prefault({})
      .describe('OpenObserve credentials in Secrets Manager; never in the template'),
    regions: z.array(RegionDeploymentSchema).min(1).describe('One entry per account and region'),
    firehose: z
      .strictObject({
        logsStreamName: firehoseStreamName
          .default('bedrock-o2-logs')
          .describe('Firehose stream for invocation logs (fixed: the Lambda re-ingests into it)'),
        metricsStreamName: firehoseStreamName
          .default('bedrock-o2-metrics')
          .describe('Firehose stream for the metric stream'),
        processorBufferMiB: z
          .number()
          .min(0.2)
          .max(3)
          .default(1)
          .describe('Lambda processor buffer in MB (0.2-3); decompressed output must stay under 6 MB'),
        processorIntervalSeconds: z
          .int()
          .min(0)
          .max(900)
          .default(60)
          .describe('Lambda processor buffer interval in seconds (0-900)'),
        processorRetries: z
          .int()
          .min(0)
          .max(10)
          .default(3)
          .describe('Processor invocation retries (no documented maximum; capped at 10)'),
        httpBufferMiB: z.int().min(1).max(64).default(5).describe('HTTP endpoint buffer in MiB (1-64)'),
        httpIntervalSeconds: z
          .int()
          .min(0)
          .max(900)
          .default(60)
          .describe('HTTP endpoint buffer interval in seconds (0-900)'),
        retrySeconds: z
          .int()
          .min(0)
          .max(7200)
          .default(3600)
          .describe('How long Firehose retries OpenObserve before writing to S3, seconds (0-7200)'),
        errorLogRetentionDays: retentionDays
          .default(30)
          .describe('Retention of the Firehose error log groups, in days'),
      })
      .prefault({})
      .describe('Firehose buffering, retries and names'),
    lambda: z
      .strictObject({
        memoryMiB: z
          .int()
          .min(128)
          .max(10240)
          .default(1024)
          .describe('Memory of the logs processor in MiB (128-10240)'),
        metricsMemoryMiB: z
          .int()
          .min(128)
          .max(10240)
          .default(256)
          .describe('Memory of the metrics processor in MiB (128-10240)'),
        timeoutSeconds: z
          .int()
          .min(1)
          .max(300)
          .default(120)
          .describe('Processor timeout in seconds (1-300: Firehose waits at most 5 minutes)'),
        logRetentionDays: retentionDays
          .default(30)
          .describe('Retention of the functions’ log groups, in days'),
      })
      .prefault({})
      .describe('Transformation Lambda sizing'),
    transform: z
      .strictObject(
        withoutKeys(transformConfigShape, ['logGroups', 'reingestStreamName', 'hydrateLargeBodies']),
      )
      .prefault({})
      .describe('Lambda settings; per-log-group content settings come from regions[].logGroups'),
    backup: z
      .strictObject({
        expireAfterDays: z
          .int()
          .min(1)
          .max(36500)
          .default(90)
          .describe('Delete failed-record backups after this many days'),
        infrequentAccessAfterDays: z
          .int()
          .min(30)
          .max(36500)
          .optional()
          .describe('Move backups to S3 Standard-IA after this many days (at least 30)'),
        versioned: z.boolean().default(false).describe('Turn on bucket versioning'),
      })
      .prefault({})
      .describe('The S3 bucket for records Firehose could not process or deliver'),
    alarms: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Create CloudWatch alarms on the pipeline'),
        email: z.email().optional().describe('Create an SNS topic per region and subscribe this address'),
        freshnessSeconds: z
          .int()
          .min(60)
          .max(86400)
          .default(900)
          .describe('Alarm when the oldest undelivered record is older than this (seconds)'),
      })
      .prefault({})
      .describe('Alarms on the pipeline itself'),
    tags: z
      .record(TagKeySchema, z.string().max(256, 'must be at most 256 characters'))
      .refine((tags) => Object.keys(tags).length <= 45, 'at most 45 tags (CloudFormation allows 50)')
      .prefault({})
      .describe('Tags on every resource'),
  })
  .superRefine(checkDeployConfig);
export type DeployConfigInput = z.input<typeof DeployConfigSchema>;
export type DeployConfig = z.output<typeof DeployConfigSchema>;
export type RegionDeployment = DeployConfig['regions'][number];

/** The stack name of a region entry. */
export function stackNameOf(region: Pick<RegionDeployment, 'region' | 'stackName'>): string {
  return region.stackName ?? `BedrockO2-${region.region}`;
}

/** Region and account of an ARN, or undefined when it has no such fields. */
function arnLocation(arn: string): { region: string; account: string } | undefined {
  const [, , , region, account] = arn.split(':');
  return region && account ? { region, account } : undefined;
}

interface DeployConfigShape {
  readonly openobserve: { readonly url: string; readonly organisation: string };
  readonly secret: { readonly arn?: string | undefined };
  readonly regions: readonly RegionShape[];
  readonly firehose: { readonly logsStreamName: string; readonly metricsStreamName: string };
  readonly backup: {
    readonly expireAfterDays: number;
    readonly infrequentAccessAfterDays?: number | undefined;
  };
}
interface RegionShape {
  readonly account: string;
  readonly region: string;
  readonly allowUnknownRegion: boolean;
  readonly stackName?: string | undefined;
  readonly logGroups: readonly {
    readonly name: string;
    readonly create: boolean;
    readonly retentionDays?: number | undefined;
  }[];
  readonly s3Logs?: { readonly bucketName: string } | undefined;
  readonly hydrateLargeBodies: boolean | { readonly bucketName: string };
  readonly bedrockLogging: {
    readonly manage: boolean;
    readonly logGroupName?: string | undefined;
    readonly largeDataBucketName?: string | undefined;
  };
  readonly secretArn?: string | undefined;
  readonly alarmTopicArn?: string | undefined;
}

type Issue = (path: (string | number)[], message: string) => void;

/** Rules that span fields; each issue carries the path of the field to change. */
function checkDeployConfig(config: DeployConfigShape, ctx: z.RefinementCtx): void {
  const issue: Issue = (path, message) => ctx.addIssue({ code: 'custom', path, message });

  if (config.firehose.logsStreamName === config.firehose.metricsStreamName) {
    issue(['firehose', 'metricsStreamName'], 'must differ from firehose.logsStreamName');
  }
  // Firehose allows 1000 characters of URL; leave room for /aws/<org>/<stream>/_kinesis_firehose.
  if (config.openobserve.url.length + config.openobserve.organisation.length + 300 > 1000) {
    issue(['openobserve', 'url'], 'is too long: the delivery URL must stay within 1000 characters');
  }
  const { infrequentAccessAfterDays, expireAfterDays } = config.backup;
  if (infrequentAccessAfterDays !== undefined && infrequentAccessAfterDays >= expireAfterDays) {
    issue(['backup', 'infrequentAccessAfterDays'], 'must be less than backup.expireAfterDays');
  }
  checkRegionsAreDistinct(config.regions, issue);
  config.regions.forEach((entry, i) => {
    checkKnownRegion(entry, i, issue);
    checkSameLocation(entry, i, config.secret.arn, issue);
    checkLogGroups(entry, i, issue);
    checkHydration(entry, i, issue);
  });
}

function checkRegionsAreDistinct(regions: readonly RegionShape[], issue: Issue): void {
  const stackNames = new Map<string, number>();
  const locations = new Map<string, number>();
  regions.forEach((entry, i) => {
    const stackName = stackNameOf(entry);
    const sameName = stackNames.get(stackName);
    if (sameName !== undefined) {
      issue(
        ['regions', i, 'stackName'],
        `stack name ${stackName} is also used by regions[${sameName}]; set stackName`,
      );
    }
    stackNames.set(stackName, i);

    const location = `${entry.account}/${entry.region}`;
    const sameLocation = locations.get(location);
    if (sameLocation !== undefined) {
      issue(
        ['regions', i, 'region'],
        `account ${entry.account} and region ${entry.region} are already in regions[${sameLocation}]; ` +
          'the fixed Firehose stream names allow one stack per account and region',
      );
    }
    locations.set(location, i);
  });
}

function checkKnownRegion(entry: RegionShape, i: number, issue: Issue): void {
  if (entry.allowUnknownRegion || KNOWN_REGIONS.includes(entry.region)) return;
  const near = closest(entry.region, KNOWN_REGIONS, 2);
  issue(
    ['regions', i, 'region'],
    `${entry.region} is not a region aws-cdk-lib knows${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}; ` +
      `fix the spelling, or set regions[${i}].allowUnknownRegion to true for a region newer than aws-cdk-lib`,
  );
}

/** The candidates nearest to `word`, if within `maxDistance` edits. */
function closest(word: string, candidates: readonly string[], maxDistance: number): string[] {
  const scored = candidates.map((candidate) => [candidate, editDistance(word, candidate)] as const);
  const best = Math.min(...scored.map(([, distance]) => distance));
  return best > maxDistance ? [] : scored.filter(([, distance]) => distance === best).map(([name]) => name);
}

/** Edit distance where swapping two neighbours is one edit (the usual typo: us-esat-1). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const above = rows[i - 1] ?? [];
      let distance = Math.min(
        (above[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (above[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(distance);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/** Firehose reads the secret, and alarms notify the topic, only in their own account and region. */
function checkSameLocation(
  entry: RegionShape,
  i: number,
  sharedSecretArn: string | undefined,
  issue: Issue,
): void {
  const elsewhere = (arn: string) => {
    const where = arnLocation(arn);
    return where && (where.region !== entry.region || where.account !== entry.account) ? where : undefined;
  };
  const secretArn = entry.secretArn ?? sharedSecretArn;
  const secretWhere = secretArn === undefined ? undefined : elsewhere(secretArn);
  if (secretWhere) {
    issue(
      entry.secretArn === undefined ? ['secret', 'arn'] : ['regions', i, 'secretArn'],
      `secret is in ${secretWhere.account}/${secretWhere.region} but regions[${i}] deploys to ` +
        `${entry.account}/${entry.region}; Firehose needs the secret in its own account and region (set regions[].secretArn)`,
    );
  }
  if (entry.alarmTopicArn !== undefined && elsewhere(entry.alarmTopicArn)) {
    issue(
      ['regions', i, 'alarmTopicArn'],
      `must be in ${entry.account}/${entry.region} (alarms notify a topic in their own region)`,
    );
  }
}

function checkLogGroups(entry: RegionShape, i: number, issue: Issue): void {
  if (entry.logGroups.length === 0 && entry.s3Logs === undefined) {
    issue(
      ['regions', i, 'logGroups'],
      'set logGroups, s3Logs or both: the region has no source of invocation logs',
    );
  }
  if (entry.logGroups.length === 0 && entry.bedrockLogging.manage) {
    issue(
      ['regions', i, 'bedrockLogging', 'manage'],
      'needs a log group in logGroups: the managed configuration points Bedrock at CloudWatch Logs',
    );
  }
  const names = new Set<string>();
  entry.logGroups.forEach((group, j) => {
    if (names.has(group.name)) issue(['regions', i, 'logGroups', j, 'name'], `${group.name} is listed twice`);
    names.add(group.name);
    if (group.retentionDays !== undefined && !group.create) {
      issue(['regions', i, 'logGroups', j, 'retentionDays'], 'only applies when create is true');
    }
  });
  const target = entry.bedrockLogging.logGroupName;
  if (target !== undefined && !names.has(target)) {
    issue(['regions', i, 'bedrockLogging', 'logGroupName'], `must be one of regions[${i}].logGroups[].name`);
  }
}

function checkHydration(entry: RegionShape, i: number, issue: Issue): void {
  if (entry.hydrateLargeBodies === false) return;
  if (entry.logGroups.length === 0) {
    issue(
      ['regions', i, 'hydrateLargeBodies'],
      'applies to logGroups (CloudWatch Logs), and the region has none; for s3Logs set s3Logs.hydrateLargeBodies',
    );
  }
  if (entry.hydrateLargeBodies === true && entry.bedrockLogging.largeDataBucketName === undefined) {
    issue(
      ['regions', i, 'hydrateLargeBodies'],
      `true reads regions[${i}].bedrockLogging.largeDataBucketName, which is not set; set it, or name the ` +
        'bucket Bedrock offloads to: { "bucketName": "…", "prefix": "…" }',
    );
  }
}

/** A shape without some keys (the deployment sets the Lambda's log-group map and re-ingest stream itself). */
function withoutKeys<T extends object, K extends keyof T>(shape: T, keys: readonly K[]): Omit<T, K> {
  const copy: Partial<T> = { ...shape };
  for (const key of keys) delete copy[key];
  return copy as Omit<T, K>;
}
