import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with unknown flags and bad values reported as one-line usage errors (exit 2). */
export function parseCommandArgs<O extends Options>(argv: readonly string[], options: O, command: string) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(
      `${argumentProblem(error as NodeJS.ErrnoException)}; see 'bedrock-o2 ${command} --help'`,
    );
  }
}

/**
 * parseArgs's messages in the CLI's words: they quote the flag unevenly and suggest `--` forms that make no
 * sense here. The flag is the last `-x`/`--name` its message quotes (`-s, --since <value>` names both).
 */
export function argumentProblem(error: NodeJS.ErrnoException): string {
  const firstLine = error.message.split('\n')[0] ?? '';
  const quoted = /^[^']*'([^']*)'/.exec(firstLine)?.[1] ?? '';
  const flag = quoted.match(/--?[^\s,<]+/g)?.at(-1) ?? quoted;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (firstLine.includes('does not take an argument')) return `${flag} takes no value`;
    if (firstLine.includes('ambiguous')) {
      return `${flag} needs a value (for a value starting with a dash write ${flag}=VALUE)`;
    }
    return `${flag} needs a value`;
  }
  return firstLine.replace(/\.$/, '');
}
