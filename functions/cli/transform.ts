import { resolve } from 'node:path';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { formatConfigIssues } from '../../schemas/config.ts';
import { FirehoseTransformationEventSchema } from '../../schemas/firehose.ts';
import type { RecordOutcome } from '../transform/firehose/record-outcome.ts';
import { RESPONSE_LIMIT_BYTES } from '../transform/firehose/size-guard.ts';
import { processLogsEvent } from '../transform/logs/process-logs.ts';
import { processMetricsEvent } from '../transform/metrics/process-metrics.ts';
import { createNormaliser } from '../transform/row/normalise.ts';
import {
  type BatchSummary,
  errorWithoutMessage,
  safeCause,
  type Telemetry,
} from '../transform/telemetry/summary.ts';
import { parseCommandArgs } from './args.ts';
import { loadCliConfig, readUserFile } from './files.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_OK, UsageError } from './io.ts';

export const TRANSFORM_HELP = `Usage: bedrock-o2 transform [--source logs|metrics] [--rows] [--config FILE] [FILE]

Runs the transformation Lambda locally on one Firehose transformation event (JSON; read from stdin when
FILE is omitted) and prints what the Lambda would answer: {"records":[{recordId,result,data}]}.
No AWS call is made: a response over the Lambda's 6 MB limit is still printed, with a warning.

To try it: bedrock-o2 transform --rows examples/firehose-event.json (a small logs event in the repo), or
write the demo's whole event with bedrock-o2 demo --save-event FILE.

Options:
  --source logs|metrics  which delivery stream the event came from (default: logs)
  --rows                 print the decoded rows as NDJSON instead of the Firehose response
  --config FILE          transform configuration: JSON as BEDROCK_O2_CONFIG, or the deployment file or
                         cdk.json (the region in AWS_REGION); default: the BEDROCK_O2_CONFIG env var
  -h, --help             show this help

Exit codes: 0 every record Ok or Dropped, 1 some record ProcessingFailed, 2 unreadable input or usage.
`;

/** Lambda's synchronous request limit: larger captures are processed anyway, with a warning. */
const REQUEST_LIMIT_BYTES = 6_291_456;

export async function runTransform(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      source: { type: 'string', default: 'logs' },
      rows: { type: 'boolean', default: false },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    'transform',
  );
  if (values.help) {
    io.stdout(TRANSFORM_HELP);
    return EXIT_OK;
  }
  if (values.source !== 'logs' && values.source !== 'metrics') {
    throw new UsageError(`--source must be logs or metrics, not "${values.source}"`);
  }
  if (positionals.length > 1) throw new UsageError('expects at most one FILE');
  const file = positionals[0];
  if (file === '') throw new UsageError('FILE is an empty string; name a file, or pass the event on stdin');
  const config = await loadCliConfig(values.config, io);
  const where = file ?? 'stdin';
  if (file === undefined && io.stdinIsTty === true) {
    io.stderr(
      'reading a Firehose transformation event (JSON) from stdin; end it with Ctrl-D, or give a FILE (see --help)\n',
    );
  }
  const bytes = file === undefined ? await io.readStdin() : await readUserFile(resolve(io.cwd, file));
  if (bytes.length > REQUEST_LIMIT_BYTES) {
    io.stderr(
      `warning: ${where} is ${bytes.length} bytes, over the Lambda's 6 MB request limit; processing anyway\n`,
    );
  }
  const event = parseEvent(bytes, where);
  const telemetry = stderrTelemetry(io);

  const { response, outcomes } =
    values.source === 'logs'
      ? await processLogsEvent(event, {
          normaliser: createNormaliser(config, { onFailure: (error) => telemetry.normaliseFailed(error) }),
          telemetry,
          keepRows: values.rows,
        })
      : processMetricsEvent(event, { telemetry, maxDecompressedBytes: config.maxDecompressedBytes });

  if (values.rows) {
    for (const outcome of outcomes) {
      if (outcome.kind === 'ok') for (const row of outcome.rows) io.stdout(`${JSON.stringify(row)}\n`);
    }
  } else {
    const json = JSON.stringify(response);
    if (json.length > RESPONSE_LIMIT_BYTES) {
      io.stderr(
        `warning: the response is ${json.length} bytes, over the Lambda's 6 MB limit; the deployed Lambda would re-ingest overflow records\n`,
      );
    }
    io.stdout(`${json}\n`);
  }
  return outcomes.some((outcome: RecordOutcome) => outcome.kind === 'failed') ? EXIT_INCOMPLETE : EXIT_OK;
}

export function parseEvent(bytes: Buffer, where: string): FirehoseTransformationEvent {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UsageError(`${where} is not JSON (expected one Firehose transformation event)`);
  }
  const result = FirehoseTransformationEventSchema.safeParse(value);
  if (!result.success) {
    const first = formatConfigIssues(result.error).split('\n')[0];
    throw new UsageError(`${where} is not a Firehose transformation event: ${first}`);
  }
  return result.data as FirehoseTransformationEvent;
}

/** Per-record failures and a one-line summary on stderr, so stdout stays machine-readable. */
export function stderrTelemetry(io: CliIo): Telemetry {
  return {
    recordFailed(recordId, error) {
      const cause = safeCause(error);
      io.stderr(
        `record ${recordId}: ProcessingFailed: ${error.message}${cause === undefined ? '' : ` (${cause.split('\n')[0]})`}\n`,
      );
    },
    normaliseFailed(error) {
      const cause = errorWithoutMessage(error)?.split('\n')[0] ?? typeof error;
      io.stderr(
        `an invocation could not be normalised (${cause}); written with envelope fields only (normalise_failed)\n`,
      );
    },
    reingestFailed(count, streamName) {
      io.stderr(`re-ingest into ${streamName} failed for ${count} records\n`);
    },
    batchDone(summary: BatchSummary) {
      io.stderr(
        `records: ${summary.recordsIn} in, ${summary.recordsOk} ok, ${summary.recordsDropped} dropped, ${summary.recordsFailed} failed; rows: ${summary.rows}\n`,
      );
    },
  };
}
