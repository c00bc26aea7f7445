import { ConfigError } from '../../schemas/config.ts';
import { runDashboards } from './dashboards-preview.ts';
import { runDemo } from './demo.ts';
import { type CliIo, EXIT_USAGE, UsageError } from './io.ts';
import { runPrices } from './prices.ts';
import { processIo } from './process-io.ts';
import { runProvision } from './provision.ts';
import { runTransform } from './transform.ts';

/** `bedrock-o2 <command>`: dispatch and exit codes only; each command lives in its own file. */

interface Command {
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  transform: {
    summary: 'run the Lambda transform on a captured Firehose event (stdin or FILE)',
    run: runTransform,
  },
  demo: {
    summary: 'run the real handler over the bundled sample logs; deliver when OpenObserve is set',
    run: runDemo,
  },
  dashboards: {
    summary: 'preview the bundled OpenObserve dashboards over local rows (dashboards preview)',
    run: runDashboards,
  },
  provision: {
    summary: 'create or update the streams, dashboards, alerts and VRL functions in OpenObserve',
    run: runProvision,
  },
  prices: {
    summary: 'check model prices (prices check) or explain one row’s cost (prices explain)',
    run: runPrices,
  },
};

export const USAGE = `Usage: bedrock-o2 <command> [options]

Amazon Bedrock invocation logs and AWS/Bedrock metrics into OpenObserve.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join('\n')}

Run 'bedrock-o2 <command> --help' for a command's options.
Exit codes: 0 success, 1 data not fully processed or delivered, 2 usage or configuration error.
`;

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`bedrock-o2: unknown command "${name}" (try --help)\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`bedrock-o2 ${name}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
