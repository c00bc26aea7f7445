/**
 * What a command may touch, passed in so tests can capture output and set the environment: results go to
 * `stdout`, progress and logs to `stderr`. Exit codes: 0 success, 1 data not fully processed or delivered,
 * 2 usage or configuration error.
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Reads stdin to the end (only commands that accept stdin call it). */
  readonly readStdin: () => Promise<Buffer>;
  /** True when stderr is a terminal (progress lines only then). */
  readonly stderrIsTty: boolean;
  /** True when stdin is a terminal: a command reading it says so instead of waiting silently. */
  readonly stdinIsTty?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_INCOMPLETE = 1;
export const EXIT_USAGE = 2;

/** A usage or configuration error: main prints its message as one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
