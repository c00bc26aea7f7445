import type { CliIo } from './io.ts';

/** The real process as a CliIo. */
export function processIo(): CliIo {
  endQuietlyOnBrokenPipe(process.stdout, (code) => process.exit(code));
  endQuietlyOnBrokenPipe(process.stderr, (code) => process.exit(code));
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTty: process.stderr.isTTY === true,
    stdinIsTty: process.stdin.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

interface ErrorEmitter {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  listenerCount(event: 'error'): number;
}

const handled = new WeakSet<ErrorEmitter>();

/**
 * A reader that went away (`bedrock-o2 … | head`) is a normal end, as for Unix tools: exit 0 without a word
 * instead of an unhandled EPIPE with its stack. Other write errors are still raised.
 */
export function endQuietlyOnBrokenPipe(stream: ErrorEmitter, exit: (code: number) => void): void {
  if (handled.has(stream)) return;
  handled.add(stream);
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') return exit(0);
    throw error;
  });
}
