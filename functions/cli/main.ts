import { readFileSync } from 'node:fs';
import { ConfigError } from '../../schemas/config.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_USAGE, UsageError } from './io.ts';
import { processIo } from './process-io.ts';

/**
 * `bedrock-o2 <command>`: dispatch and exit codes only; each command lives in its own file, loaded when it
 * runs, so `--help` and a light command never load DuckDB, ECharts or the AWS SDK clients of the others.
 */

interface Command {
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  transform: {
    summary: 'run the Lambda transform on a captured Firehose event (stdin or FILE)',
    run: async (argv, io) => (await import('./transform.ts')).runTransform(argv, io),
  },
  demo: {
    summary: 'run the real handler over the bundled sample logs; deliver when OpenObserve is set',
    run: async (argv, io) => (await import('./demo.ts')).runDemo(argv, io),
  },
  dashboards: {
    summary: 'preview the bundled OpenObserve dashboards over local rows (dashboards preview)',
    run: async (argv, io) => (await import('./dashboards-preview.ts')).runDashboards(argv, io),
  },
  provision: {
    summary: 'create or update the streams, dashboards, alerts and VRL functions in OpenObserve',
    run: async (argv, io) => (await import('./provision.ts')).runProvision(argv, io),
  },
  prices: {
    summary: 'check model prices (prices check) or explain one row’s cost (prices explain)',
    run: async (argv, io) => (await import('./prices.ts')).runPrices(argv, io),
  },
  replay: {
    summary: 'replay the Firehose failure backup (S3) into OpenObserve, resumable, without doubles',
    run: async (argv, io) => (await import('./replay.ts')).runReplay(argv, io),
  },
  backfill: {
    summary: "load history from CloudWatch Logs or Bedrock's S3 logs (backfill cloudwatch|s3)",
    run: async (argv, io) => (await import('./backfill.ts')).runBackfill(argv, io),
  },
  conversation: {
    summary: 'print one conversation read back from OpenObserve, turn by turn',
    run: async (argv, io) => (await import('./conversation.ts')).runConversation(argv, io),
  },
};

/** The version in package.json, read at start so it cannot drift from what npm installed. */
const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const USAGE = `Usage: bedrock-o2 <command> [options]

Amazon Bedrock invocation logs and AWS/Bedrock metrics into OpenObserve.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`)
  .join('\n')}

Run 'bedrock-o2 <command> --help' for a command's options; 'bedrock-o2 --version' prints the version.
Exit codes: 0 success, 1 data not fully processed or delivered, 2 usage or configuration error.
`;

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr('bedrock-o2: missing command; see bedrock-o2 --help\n');
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`${PACKAGE_VERSION}\n`);
    return 0;
  }
  // Own properties only: `bedrock-o2 constructor` is an unknown command, not Object's constructor.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.stderr(`bedrock-o2: unknown command "${name}" (try --help)\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      // A ConfigError lists its issues one per line under `invalid configuration in X:`; the first issue
      // joins that line, so the first line alone is a complete message.
      const message = error instanceof ConfigError ? error.message.replace(/:\n/, ': ') : error.message;
      io.stderr(`bedrock-o2 ${name}: ${message}\n`);
      return EXIT_USAGE;
    }
    // A defect, not the user's input: one line naming the error type and where it was thrown (never its
    // message, which can quote prompt text); the stack trace only on request.
    if (io.env['BEDROCK_O2_DEBUG'] === '1') throw error;
    io.stderr(
      `bedrock-o2 ${name}: unexpected ${unexpectedErrorSummary(error)}; BEDROCK_O2_DEBUG=1 shows the stack trace\n`,
    );
    return EXIT_INCOMPLETE;
  }
}

/** `TypeError at functions/cli/x.ts:12:3`, from the error's first stack frame. */
function unexpectedErrorSummary(error: unknown): string {
  if (!(error instanceof Error)) return `${typeof error} thrown`;
  const frame = (error.stack ?? '')
    .split('\n')[1]
    ?.trim()
    .replace(/^at\s+/, '');
  return frame === undefined ? error.name : `${error.name} at ${frame}`;
}
