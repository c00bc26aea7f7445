import type { CliIo } from '../../functions/cli/io.ts';

/** A CliIo that captures output, for asserting what a command printed. */
export function captureIo(
  options: { env?: Record<string, string>; stdin?: string | Buffer; cwd?: string } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stderrIsTty: false,
    readStdin: async () => Buffer.from(options.stdin ?? ''),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
