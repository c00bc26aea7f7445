import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../cli/io.ts';
import type { TimeRange } from './time-range.ts';

/**
 * What a run has had acknowledged, so an interrupted run resumes without sending a row twice. An NDJSON file,
 * appended synchronously after every acknowledged batch (a crash loses at most the batch in flight, which the
 * dedupe query then finds):
 *   {"unit":"…","keys":["<aws_request_id>" | "#<ordinal>", …]}   rows of a unit that were acknowledged
 *   {"unit":"…","done":true,"from":ms|null,"to":ms|null}           every row of the unit in that range settled
 * A unit is an S3 object (key and ETag) or an hour of a CloudWatch log group. On open, keys of finished units are
 * forgotten and the file is rewritten without them, so it stays as small as the work in progress.
 */

export const CHECKPOINT_DIR = '.bedrock-o2';

interface DoneRange {
  readonly fromMs: number | undefined;
  readonly toMs: number | undefined;
}

export class Checkpoint {
  private readonly done = new Map<string, DoneRange[]>();
  private readonly acked = new Map<string, Set<string>>();

  readonly path: string;
  private readonly writable: boolean;

  private constructor(path: string, writable: boolean) {
    this.path = path;
    this.writable = writable;
  }

  /**
   * Opens (or starts) the file; `writable: false` (dry run) reads it and never writes. A file that exists and
   * is not a checkpoint is refused before anything is written to it: it may be the user's.
   */
  static open(path: string, writable: boolean): Checkpoint {
    const checkpoint = new Checkpoint(path, writable);
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EISDIR') throw new UsageError(`--checkpoint ${path} is a directory: give a file path`);
      if (code !== 'ENOENT')
        throw new UsageError(`--checkpoint ${path} cannot be read (${code ?? 'error'}): give another file`);
    }
    if (!isCheckpointText(text))
      throw new UsageError(
        `--checkpoint ${path} exists and is not a bedrock-o2 checkpoint: refusing to write to it; give another file`,
      );
    let lines = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      lines++;
      checkpoint.load(line);
    }
    if (writable && lines > checkpoint.done.size + checkpoint.acked.size) checkpoint.compact();
    return checkpoint;
  }

  private load(line: string): void {
    const entry = parseEntry(line);
    if (entry === undefined) return; // a line cut short by a crash
    if (entry.done === true) {
      this.rememberDone(entry.unit, {
        fromMs: typeof entry.from === 'number' ? entry.from : undefined,
        toMs: typeof entry.to === 'number' ? entry.to : undefined,
      });
    } else if (Array.isArray(entry.keys)) {
      const keys = this.keysOf(entry.unit);
      for (const key of entry.keys) if (typeof key === 'string') keys.add(key);
    }
  }

  /** Whether a unit was finished for a range that covers this one. */
  isDone(unit: string, range: TimeRange): boolean {
    return (this.done.get(unit) ?? []).some(
      (done) =>
        (done.fromMs === undefined || (range.fromMs !== undefined && done.fromMs <= range.fromMs)) &&
        (done.toMs === undefined || (range.toMs !== undefined && done.toMs >= range.toMs)),
    );
  }

  isAcked(unit: string, key: string): boolean {
    return this.acked.get(unit)?.has(key) === true;
  }

  ack(unit: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    const known = this.keysOf(unit);
    for (const key of keys) known.add(key);
    this.append({ unit, keys });
  }

  finish(unit: string, range: TimeRange): void {
    this.rememberDone(unit, { fromMs: range.fromMs, toMs: range.toMs });
    this.append({ unit, done: true, from: range.fromMs ?? null, to: range.toMs ?? null });
  }

  private rememberDone(unit: string, range: DoneRange): void {
    const ranges = this.done.get(unit) ?? [];
    ranges.push(range);
    this.done.set(unit, ranges);
    // Covering the whole unit: its keys are no longer needed.
    if (range.fromMs === undefined && range.toMs === undefined) this.acked.delete(unit);
  }

  private keysOf(unit: string): Set<string> {
    let keys = this.acked.get(unit);
    if (keys === undefined) {
      keys = new Set();
      this.acked.set(unit, keys);
    }
    return keys;
  }

  private append(entry: object): void {
    if (!this.writable) return;
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  private compact(): void {
    const lines: string[] = [];
    for (const [unit, ranges] of this.done)
      for (const range of ranges)
        lines.push(JSON.stringify({ unit, done: true, from: range.fromMs ?? null, to: range.toMs ?? null }));
    for (const [unit, keys] of this.acked) lines.push(JSON.stringify({ unit, keys: [...keys] }));
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, lines.map((line) => `${line}\n`).join(''));
    renameSync(temporary, this.path);
  }
}

interface Entry {
  unit: string;
  keys?: unknown;
  done?: unknown;
  from?: unknown;
  to?: unknown;
}

function parseEntry(line: string): Entry | undefined {
  try {
    const entry: unknown = JSON.parse(line);
    return typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as { unit?: unknown }).unit === 'string' &&
      (Array.isArray((entry as { keys?: unknown }).keys) || (entry as { done?: unknown }).done === true)
      ? (entry as Entry)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a file's text is one of ours: every complete line an entry, and the last line (which a crash may
 * have cut short) an entry or the start of one.
 */
function isCheckpointText(text: string): boolean {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  if (!lines.every((line) => line === '' || parseEntry(line) !== undefined)) return false;
  return last === '' || parseEntry(last) !== undefined || last.startsWith('{"unit":');
}

/** The default file for a run: one per command, source and destination, under `.bedrock-o2/`. */
export function defaultCheckpointPath(cwd: string, command: string, identity: readonly string[]): string {
  const hash = createHash('sha256').update(identity.join('\u0000')).digest('hex').slice(0, 16);
  return join(cwd, CHECKPOINT_DIR, `${command}-${hash}.checkpoint.ndjson`);
}
