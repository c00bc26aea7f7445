import { readyS3Client } from '../replay/aws-setup.ts';
import { parseS3Url } from '../replay/s3-url.ts';
import { backupUnits } from '../replay/sources/s3-backups.ts';
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

export const REPLAY_HELP = `Usage: bedrock-o2 replay s3://bucket/prefix [--from T] [--to T] [--dry-run] [--via direct|firehose] [options]

Replays the Firehose failure backup under an S3 prefix into OpenObserve. Every object is read as a stream
(gzip or plain, one JSON document per line) and every document by what its rawData holds:
  errors/processing-failed/…      the original CloudWatch Logs envelope: today's transform runs on it
  errors/http-endpoint-failed/…   rows that were already transformed: sent as they are
  metrics/errors/…                metric-stream datapoints or metric rows: to the metrics stream (--via direct)
A corrupt or unreadable object is named, counted and skipped; the others continue. --from/--to select rows
by their own time (and skip hour partitions that cannot hold any).

The transform uses --config FILE or BEDROCK_O2_CONFIG: pass the deployed configuration, either your deployment
file (or cdk.json; the settings of the region in AWS_REGION) or the Lambda's BEDROCK_O2_CONFIG JSON.
AWS: the SDK's default credentials, region and endpoint (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, …).

${DELIVERY_HELP}
`;

export async function runReplay(
  argv: readonly string[],
  io: CliIo,
  deps: DeliveryDeps = {},
): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, DELIVERY_OPTIONS, 'replay');
  if (values.help) {
    io.stdout(REPLAY_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('expected exactly one s3://bucket/prefix');
  const location = parseS3Url(positionals[0]);
  const range = deliveryRange(values, (deps.nowMs ?? Date.now)());
  const config = withIngestWindow(await loadCliConfig(values.config, io), values);
  const s3 = await readyS3Client(io.env, location);
  const source = backupUnits({
    s3,
    bucket: location.bucket,
    prefix: location.prefix,
    range,
    normaliser: createNormaliser(config),
    maxDecompressedBytes: config.maxDecompressedBytes,
  });
  return deliver(
    values,
    config,
    {
      command: 'replay',
      identity: [`s3://${location.bucket}/${location.prefix}`],
      range,
      unitNoun: 'objects',
    },
    source,
    io,
    deps,
  );
}
