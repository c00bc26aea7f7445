import { readFileSync } from 'node:fs';
import { ConfigError } from '../../schemas/config.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_USAGE, UsageError } from './io.ts';
import { processIo } from './process-io.ts';

/**
 * `bedrock-o2 <command>`: dispatch and exit codes only; each command lives in its own file, loaded when it
 * runs, so `--help` and a light command never load DuckDB, ECharts or the AWS SDK clients of the others.
 */

type RunCommand = (argv: readonly string[], io: CliIo) => Promise<number>;

interface Command {
  readonly summary: string;
  /** Imports the command's module; kept apart from running it, so a module that cannot load is named as such. */
  readonly load: () => Promise<RunCommand>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  transform: {
    summary: 'run the Lambda transform on a captured Firehose event (stdin or FILE)',
    load: async () => (await import('./transform.ts')).runTransform,
  },
  demo: {
    summary: 'run the real handler over the bundled sample logs; deliver when OpenObserve is set',
    load: async () => (await import('./demo.ts')).runDemo,
  },
  dashboards: {
    summary: 'preview the bundled OpenObserve dashboards over local rows (dashboards preview)',
    load: async () => (await import('./dashboards-preview.ts')).runDashboards,
  },
  provision: {
    summary: 'create or update the streams, dashboards, alerts and VRL functions in OpenObserve',
    load: async () => (await import('./provision.ts')).runProvision,
  },
  prices: {
    summary: 'check model prices (prices check) or explain one row’s cost (prices explain)',
    load: async () => (await import('./prices.ts')).runPrices,
  },
  replay: {
    summary: 'replay the Firehose failure backup (S3) into OpenObserve, resumable, without doubles',
    load: async () => (await import('./replay.ts')).runReplay,
  },
  backfill: {
    summary: "load history from CloudWatch Logs or Bedrock's S3 logs (backfill cloudwatch|s3)",
    load: async () => (await import('./backfill.ts')).runBackfill,
  },
  conversation: {
    summary: 'print one conversation read back from OpenObserve, turn by turn',
    load: async () => (await import('./conversation.ts')).runConversation,
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
  let run: RunCommand;
  try {
    run = await command.load();
  } catch (error) {
    // Not a defect in the command and not the data: a package missing from the install, or a native module
    // (DuckDB) with no build for this platform. The loader's first line names the module and holds no data.
    if (io.env['BEDROCK_O2_DEBUG'] === '1') throw error;
    io.stderr(
      `bedrock-o2 ${name}: cannot load this command: ${loadFailure(error)} (reinstall with npm ci; a native module may have no build for ${process.platform}-${process.arch})\n`,
    );
    return EXIT_USAGE;
  }
  try {
    return await run(rest, io);
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

/** The first line of a module loader's error (`Cannot find module 'x'`; the require stack follows it). */
function loadFailure(error: unknown): string {
  if (!(error instanceof Error)) return `${typeof error} thrown`;
  return (error.message.split('\n')[0] ?? '').trim() || error.name;
}

/** `TypeError at functions/cli/x.ts:12:3`, from the error's first stack frame. */
function unexpectedErrorSummary(error: unknown): string {
  if (!(error instanceof Error)) return `${typeof error} thrown`;
  // The first frame line, not the stack's second line: a message of several lines (a require stack, quoted
  // data) runs on into the lines after the first.
  const frame = (error.stack ?? '')
    .split('\n')
    .find((line) => /^\s+at\s/.test(line))
    ?.trim()
    .replace(/^at\s+/, '');
  return frame === undefined ? error.name : `${error.name} at ${frame}`;
}
