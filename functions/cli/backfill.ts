import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { checkRegionFlag, ensureAwsConfig, readyS3Client } from '../replay/aws-setup.ts';
import { RateLimiter } from '../replay/rate-limit.ts';
import { parseS3Url } from '../replay/s3-url.ts';
import { cloudWatchUnits } from '../replay/sources/cloudwatch.ts';
import { bedrockLogUnits } from '../replay/sources/s3-bedrock-logs.ts';
import { boundedRequests } from '../transform/bounded-requests.ts';
import { createNormaliser } from '../transform/row/normalise.ts';
import { parseCommandArgs } from './args.ts';
import {
  DELIVERY_HELP,
  DELIVERY_OPTIONS,
  type DeliveryDeps,
  deliver,
  deliveryRange,
  withIngestWindow,
} from './delivery.ts';
import { loadCliConfig } from './files.ts';
import { type CliIo, EXIT_OK, UsageError } from './io.ts';

export const BACKFILL_HELP = `Usage: bedrock-o2 backfill cloudwatch --log-group NAME --from T --to T [--region R] [options]
       bedrock-o2 backfill s3 s3://bucket/prefix [--from T] [--to T] [--hydrate] [options]

Loads Bedrock invocation history the pipeline never saw into OpenObserve, as the same rows the live
pipeline makes (same normaliser; aws_bedrock_log_source is cloudwatch_logs or s3).

  cloudwatch   the log group's events (FilterLogEvents, paginated), one resumable unit per hour;
               --from and --to are required; --region overrides AWS_REGION
  s3           Bedrock's own S3 log objects under the prefix
               (…/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz),
               listed page by page and narrowed by their hour partitions; the permission-check object
               and data/ are passed over. --hydrate loads bodies Bedrock offloaded to data/ so the
               content fields are filled.

The transform uses --config FILE or BEDROCK_O2_CONFIG: pass the deployed configuration, either your deployment
file (or cdk.json; the settings of the region in AWS_REGION or --region) or the Lambda's BEDROCK_O2_CONFIG JSON.
AWS: the SDK's default credentials, region and endpoint (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3,
AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL_FIREHOSE).

Source:
  --log-group NAME         (cloudwatch) the Bedrock invocation log group
  --region R               (cloudwatch) region of the log group
  --hydrate                (s3) load offloaded bodies from data/

${DELIVERY_HELP}
`;

/** FilterLogEvents allows 5 requests per second per account and region; leave room for everyone else. */
const FILTER_LOG_EVENTS_PER_SECOND = 3;

const BACKFILL_OPTIONS = {
  ...DELIVERY_OPTIONS,
  'log-group': { type: 'string' },
  region: { type: 'string' },
  hydrate: { type: 'boolean', default: false },
} as const;

export async function runBackfill(
  argv: readonly string[],
  io: CliIo,
  deps: DeliveryDeps = {},
): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, BACKFILL_OPTIONS, 'backfill');
  const [kind, ...rest] = positionals;
  if (values.help) {
    io.stdout(BACKFILL_HELP);
    return EXIT_OK;
  }
  const nowMs = (deps.nowMs ?? Date.now)();
  const range = deliveryRange(values, nowMs);
  if (kind === 'cloudwatch') {
    if (rest.length > 0)
      throw new UsageError(`unexpected argument "${rest[0]}" (see 'bedrock-o2 backfill --help')`);
    const logGroup = values['log-group'];
    if (logGroup === undefined || logGroup === '')
      throw new UsageError('backfill cloudwatch needs --log-group NAME');
    if (range.fromMs === undefined || range.toMs === undefined)
      throw new UsageError('backfill cloudwatch needs --from and --to');
    const config = withIngestWindow(await loadCliConfig(values.config, io, values.region), values);
    checkRegionFlag(values.region, 'CloudWatch Logs', 'pass --region like eu-west-1');
    // More attempts than the SDK's 3: FilterLogEvents throttles at 5 requests a second per account and region.
    const logs = new CloudWatchLogsClient({
      maxAttempts: 8,
      // A call with no answer within 30 s fails and is retried instead of hanging the run.
      requestHandler: boundedRequests(10_000, 30_000),
      ...(values.region === undefined ? {} : { region: values.region }),
    });
    const region = await ensureAwsConfig(logs.config, 'CloudWatch Logs', 'set AWS_REGION or pass --region');
    const source = cloudWatchUnits({
      logs,
      region,
      logGroup,
      fromMs: range.fromMs,
      toMs: range.toMs,
      normaliser: createNormaliser(config),
      limiter: new RateLimiter(
        FILTER_LOG_EVENTS_PER_SECOND,
        deps.sleep === undefined ? {} : { sleep: deps.sleep },
      ),
    });
    return deliver(
      values,
      config,
      { command: 'backfill-cloudwatch', identity: [region, logGroup], range, unitNoun: 'hours' },
      source,
      io,
      deps,
    );
  }
  if (kind === 's3') {
    if (rest.length !== 1) throw new UsageError('backfill s3 expects exactly one s3://bucket/prefix');
    const location = parseS3Url(rest[0]);
    const config = withIngestWindow(await loadCliConfig(values.config, io), values);
    const s3 = await readyS3Client(io.env, location);
    const source = bedrockLogUnits({
      s3,
      bucket: location.bucket,
      prefix: location.prefix,
      range,
      normaliser: createNormaliser(config),
      hydrate: values.hydrate,
    });
    return deliver(
      values,
      config,
      {
        command: 'backfill-s3',
        identity: [`s3://${location.bucket}/${location.prefix}`, values.hydrate ? 'hydrate' : ''],
        range,
        unitNoun: 'objects',
      },
      source,
      io,
      deps,
    );
  }
  throw new UsageError(
    kind === undefined
      ? "expected 'cloudwatch' or 's3' (see 'bedrock-o2 backfill --help')"
      : `unknown source "${kind}": expected 'cloudwatch' or 's3'`,
  );
}
