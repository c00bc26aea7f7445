import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { CHECKPOINT_DIR } from './checkpoint.ts';

/**
 * Every row that was not delivered, with its reason, as NDJSON: `{"reason","source","row"}` (or `"where"` for
 * an input that never became a row). The file is created on the first reject only; writes respect
 * back-pressure, so a flood of rejects does not pile up in memory.
 */
export class RejectsFile {
  private stream: WriteStream | undefined;
  count = 0;

  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** `rowJson` is the row as it would have been sent (already JSON), so it is written verbatim. */
  async write(entry: {
    readonly reason: string;
    readonly source: string;
    readonly rowJson?: string;
    readonly where?: string;
  }): Promise<void> {
    this.count++;
    if (this.stream === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.stream = createWriteStream(this.path, { flags: 'a' });
    }
    const head = JSON.stringify({ reason: entry.reason, source: entry.source, where: entry.where });
    const line = entry.rowJson === undefined ? head : `${head.slice(0, -1)},"row":${entry.rowJson}}`;
    if (!this.stream.write(`${line}\n`)) {
      const stream = this.stream;
      await new Promise<void>((resolve) => stream.once('drain', resolve));
    }
  }

  async close(): Promise<void> {
    const stream = this.stream;
    if (stream === undefined) return;
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}

export function defaultRejectsPath(cwd: string, command: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  return join(cwd, CHECKPOINT_DIR, `${command}-rejects-${stamp}.ndjson`);
}
