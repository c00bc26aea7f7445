import { UsageError } from '../cli/io.ts';
import { type RestampPlan, restampRow } from '../cli/restamp.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { Probe } from './dedupe-windows.ts';
import { DestinationUnavailable } from './destination-unavailable.ts';
import type { RowResult } from './openobserve-api.ts';
import type { Progress } from './progress.ts';
import type { RejectsFile } from './rejects.ts';
import { inRange, type TimeRange } from './time-range.ts';
import type { Row, Target, Unit, UnitItem, UnitSource } from './unit.ts';

/**
 * One replay or backfill run: units are read by `concurrency` workers; each row is checked against the range,
 * the checkpoint, the rows already sent this run and OpenObserve's ingest window, batched, checked against what
 * OpenObserve already holds (dedupe), sent, and its acknowledgement recorded. Nothing is dropped without a count
 * and, when it was not a deliberate skip, a line in the rejects file.
 */

/** Where rows go: OpenObserve `_bulk` or a Firehose delivery stream. */
export interface Sink {
  readonly label: string;
  readonly maxBatchRows: number;
  readonly maxBatchBytes: number;
  /** Checks the set-up (region, credentials) before any work; a usage error says what to set. */
  readonly ready?: () => Promise<void>;
  /**
   * One result per row, in order. `inputs[i]`, when present, is what the live pipeline turns into row i (see
   * UnitItem). Throws when the destination is unavailable (the run stops, resumable).
   */
  send(
    target: Target,
    rowsJson: readonly string[],
    inputs: readonly (string | undefined)[],
  ): Promise<RowResult[]>;
}

/**
 * Which of these keys OpenObserve already holds, each looked up around its probes' times (see
 * dedupe-windows.ts). Throws when the answer cannot be trusted (the run stops, resumable).
 */
export type PresentIds = (target: Target, probes: readonly Probe[]) => Promise<ReadonlySet<string>>;

export interface RunOptions {
  readonly range: TimeRange;
  readonly windowHours: number;
  readonly restamp: RestampPlan | undefined;
  /** Absent in a dry run: rows are read, checked and counted, not sent. */
  readonly sink: Sink | undefined;
  readonly presentIds: PresentIds | undefined;
  readonly checkpoint: Checkpoint;
  readonly rejects: RejectsFile;
  readonly progress: Progress;
  readonly concurrency: number;
  /** Dry-run batch bounds (the sink's otherwise). */
  readonly batchRows?: number;
  readonly nowMs?: () => number;
  /** Aborted (Ctrl-C): stop reading, send what is batched, record it, and end as resumable. */
  readonly signal?: AbortSignal;
  /** Called once, when the first row outside the ingest window is found. */
  readonly onFirstOutsideWindow?: () => void;
}

export interface RunSummary {
  unitsListed: number;
  unitsRead: number;
  unitsAlreadyDone: number;
  readonly unitsFailed: { unit: string; reason: string }[];
  readonly passedOver: Map<string, number>;
  recordsRead: number;
  readonly inputsSkipped: Map<string, number>;
  readonly notes: Map<string, number>;
  readonly unreadable: Map<string, number>;
  rowsTransformed: number;
  outsideRange: number;
  skippedCheckpoint: number;
  skippedDuplicate: number;
  skippedPresent: number;
  outsideWindow: number;
  restamped: number;
  wouldSend: number;
  sent: number;
  accepted: number;
  readonly rejected: Map<string, number>;
  aborted: string | undefined;
}

export function newRunSummary(passedOver: Map<string, number>): RunSummary {
  return {
    unitsListed: 0,
    unitsRead: 0,
    unitsAlreadyDone: 0,
    unitsFailed: [],
    passedOver,
    recordsRead: 0,
    inputsSkipped: new Map(),
    notes: new Map(),
    unreadable: new Map(),
    rowsTransformed: 0,
    outsideRange: 0,
    skippedCheckpoint: 0,
    skippedDuplicate: 0,
    skippedPresent: 0,
    outsideWindow: 0,
    restamped: 0,
    wouldSend: 0,
    sent: 0,
    accepted: 0,
    rejected: new Map(),
    aborted: undefined,
  };
}

/** Every row delivered or deliberately skipped, every input read. */
export function isComplete(summary: RunSummary): boolean {
  return (
    summary.aborted === undefined &&
    summary.unitsFailed.length === 0 &&
    summary.unreadable.size === 0 &&
    summary.outsideWindow === 0 &&
    summary.rejected.size === 0
  );
}

const HOUR_MS = 3_600_000;
const FUTURE_WINDOW_MS = 24 * HOUR_MS;
/** Rows this close to the window's edge could age out between the check and the server's. */
const WINDOW_MARGIN_MS = 5 * 60_000;
/** Rows sent this run, remembered so a duplicate later in the input is not sent twice (bounded). */
const SEEN_CAPACITY = 500_000;

interface Pending {
  readonly key: string;
  readonly json: string;
  readonly input: string | undefined;
  readonly originalUs: number;
  readonly timestampUs: number;
}

interface UnitState {
  readonly unit: Unit;
  readonly batches: Record<Target, Batch>;
  /** Every row so far delivered or deliberately skipped: the unit may be marked done. */
  settled: boolean;
  ordinal: number;
}

class Batch {
  entries: Pending[] = [];
  bytes = 0;
  add(entry: Pending): void {
    this.entries.push(entry);
    this.bytes += entry.json.length;
  }
  take(): Pending[] {
    const entries = this.entries;
    this.entries = [];
    this.bytes = 0;
    return entries;
  }
}

export async function runUnits(source: UnitSource, options: RunOptions): Promise<RunSummary> {
  const summary = newRunSummary(source.passedOver);
  const seen = new Set<string>();
  const now = options.nowMs ?? Date.now;
  const maxRows = options.sink?.maxBatchRows ?? options.batchRows ?? 500;
  const maxBytes = options.sink?.maxBatchBytes ?? 5 * 1024 * 1024;
  const iterator = source.units[Symbol.asyncIterator]();
  let warnedWindow = false;

  const remember = (target: Target, key: string): boolean => {
    const id = `${target}\u0000${key}`;
    if (seen.has(id)) return false;
    if (seen.size >= SEEN_CAPACITY) seen.delete(seen.values().next().value as string);
    seen.add(id);
    return true;
  };

  const outsideWindow = (timestampUs: number): boolean => {
    const nowMs = now();
    const ms = timestampUs / 1000;
    return (
      ms < nowMs - options.windowHours * HOUR_MS + WINDOW_MARGIN_MS ||
      ms > nowMs + FUTURE_WINDOW_MS - WINDOW_MARGIN_MS
    );
  };

  async function flush(unit: Unit, target: Target, batch: Batch): Promise<boolean> {
    let entries = batch.take();
    if (entries.length === 0) return true;
    if (options.presentIds !== undefined) entries = await withoutPresent(unit, target, entries);
    if (entries.length === 0) return true;
    if (options.sink === undefined) {
      summary.wouldSend += entries.length;
      return true;
    }
    summary.sent += entries.length;
    const results = await options.sink.send(
      target,
      entries.map((entry) => entry.json),
      entries.map((entry) => entry.input),
    );
    const acked: string[] = [];
    let allAccepted = true;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Pending;
      const result = results[i] ?? { ok: false, reason: 'no_answer_for_row' };
      if (result.ok) {
        summary.accepted++;
        acked.push(entry.key);
      } else {
        allAccepted = false;
        count(summary.rejected, reasonType(result.reason));
        await options.rejects.write({ reason: result.reason, source: unit.label, rowJson: entry.json });
      }
    }
    options.checkpoint.ack(unit.id, acked);
    options.progress.update(summary);
    return allAccepted;
  }

  async function withoutPresent(unit: Unit, target: Target, entries: Pending[]): Promise<Pending[]> {
    // A restamped row may be there at its original time (the live pipeline, a run without --restamp) or at
    // the time this run gives it (a --restamp run just before): both are looked up, each in its own window.
    const probes: Probe[] = [];
    for (const entry of entries) {
      if (entry.key.startsWith('#')) continue;
      probes.push({ key: entry.key, timeUs: entry.originalUs });
      if (entry.timestampUs !== entry.originalUs) probes.push({ key: entry.key, timeUs: entry.timestampUs });
    }
    const present =
      probes.length === 0 ? new Set<string>() : await (options.presentIds as PresentIds)(target, probes);
    if (present.size === 0) return entries;
    const already: string[] = [];
    const rest = entries.filter((entry) => {
      if (!present.has(entry.key)) return true;
      already.push(entry.key);
      return false;
    });
    summary.skippedPresent += already.length;
    if (options.sink !== undefined) options.checkpoint.ack(unit.id, already);
    return rest;
  }

  /** What finishing a unit covers: its own slice of time, or the run's range. */
  const rangeOf = (unit: Unit): TimeRange => (unit.ownRange === true ? {} : options.range);

  async function runUnit(unit: Unit): Promise<void> {
    summary.unitsListed = Math.max(summary.unitsListed, source.listed.count);
    if (options.checkpoint.isDone(unit.id, rangeOf(unit))) {
      summary.unitsAlreadyDone++;
      return;
    }
    const state: UnitState = {
      unit,
      batches: { logs: new Batch(), metrics: new Batch() },
      settled: true,
      ordinal: 0,
    };
    try {
      for await (const item of unit.items()) {
        // Another worker hit a dead destination: stop at once (the checkpoint has what was acknowledged).
        if (summary.aborted !== undefined) return;
        if (options.signal?.aborted === true) {
          // Interrupted: send what is batched below, but the unit is not finished.
          summary.aborted = 'interrupted';
          state.settled = false;
          break;
        }
        await consume(state, item);
        options.progress.update(summary);
      }
    } catch (error) {
      if (isFatal(error)) throw error;
      state.settled = false;
      const reason = (error as Error).message.split('\n')[0] ?? '';
      summary.unitsFailed.push({ unit: unit.label, reason });
      // The rejects file is the one list of what did not arrive: an unreadable unit is in it too.
      await options.rejects.write({
        reason: `unit_unreadable: ${reason}`,
        source: unit.label,
        where: unit.label,
      });
    }
    // Rows read before a failure are good rows: send them too.
    for (const target of ['logs', 'metrics'] as const) {
      if (!(await flush(unit, target, state.batches[target]))) state.settled = false;
    }
    summary.unitsRead++;
    if (state.settled && options.sink !== undefined) options.checkpoint.finish(unit.id, rangeOf(unit));
    options.progress.update(summary);
  }

  async function consume(state: UnitState, item: UnitItem): Promise<void> {
    switch (item.kind) {
      case 'read':
        summary.recordsRead += item.count;
        return;
      case 'skipped':
        count(summary.inputsSkipped, item.reason);
        return;
      case 'note':
        count(summary.notes, reasonType(item.reason));
        return;
      case 'unreadable':
        state.settled = false;
        count(summary.unreadable, item.reason);
        await options.rejects.write({ reason: item.reason, source: state.unit.label, where: item.where });
        return;
      case 'row':
        await admitRow(state, item.target, item.row, item.input);
    }
  }

  /** A row either joins a batch or is counted as skipped (deliberately) or refused (outside the window). */
  async function admitRow(
    state: UnitState,
    target: Target,
    row: Row,
    input: string | undefined,
  ): Promise<void> {
    state.ordinal++;
    summary.rowsTransformed++;
    const key = rowKey(target, row, state.ordinal);
    const originalUs = Number(row['_timestamp']);
    if (!inRange(options.range, originalUs / 1000)) summary.outsideRange++;
    else if (options.checkpoint.isAcked(state.unit.id, key)) summary.skippedCheckpoint++;
    else if (!key.startsWith('#') && !remember(target, key)) summary.skippedDuplicate++;
    else if (options.restamp !== undefined && target === 'logs') {
      // Metric rows have no field for the original time, so they are never restamped.
      restampRow(row, options.restamp);
      summary.restamped++;
      // The live transform cannot restamp: a restamped row is sent as the row itself.
      await addToBatch(state, target, key, originalUs, row, undefined);
    } else if (!Number.isFinite(originalUs) || outsideWindow(originalUs))
      await refuseOutsideWindow(state, row);
    else await addToBatch(state, target, key, originalUs, row, input);
  }

  async function refuseOutsideWindow(state: UnitState, row: Row): Promise<void> {
    state.settled = false;
    summary.outsideWindow++;
    if (!warnedWindow) {
      warnedWindow = true;
      options.onFirstOutsideWindow?.();
    }
    await options.rejects.write({
      reason: `outside_ingest_window: ${options.windowHours} h (ZO_INGEST_ALLOWED_UPTO); not sent`,
      source: state.unit.label,
      rowJson: JSON.stringify(row),
    });
  }

  async function addToBatch(
    state: UnitState,
    target: Target,
    key: string,
    originalUs: number,
    row: Row,
    input: string | undefined,
  ): Promise<void> {
    const batch = state.batches[target];
    batch.add({ key, json: JSON.stringify(row), input, originalUs, timestampUs: Number(row['_timestamp']) });
    if (batch.entries.length >= maxRows || batch.bytes >= maxBytes) {
      if (!(await flush(state.unit, target, batch))) state.settled = false;
    }
  }

  async function worker(): Promise<void> {
    while (summary.aborted === undefined) {
      if (options.signal?.aborted === true) {
        summary.aborted ??= 'interrupted';
        return;
      }
      let next: IteratorResult<Unit>;
      try {
        next = await iterator.next();
      } catch (error) {
        // Listing failed (bucket gone, access denied, throttled past the SDK's retries): stop, resumable.
        summary.aborted ??= `listing failed: ${(error as Error).message.split('\n')[0]}`;
        if (error instanceof UsageError) throw error;
        return;
      }
      summary.unitsListed = Math.max(summary.unitsListed, source.listed.count);
      if (next.done === true) return;
      try {
        await runUnit(next.value);
      } catch (error) {
        summary.aborted ??= (error as Error).message.split('\n')[0] ?? 'stopped';
        throw error;
      }
    }
  }

  // Every worker ends before the run does, so nothing writes the checkpoint after the summary.
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.max(1, options.concurrency) }, () => worker()),
  );
  summary.unitsListed = source.listed.count;
  await options.rejects.close();
  options.progress.done(summary);
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected' && !isFatal(outcome.reason)) throw outcome.reason;
  }
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected' && outcome.reason instanceof UsageError) throw outcome.reason;
  }
  return summary;
}

/** Errors that stop the run rather than fail one unit: configuration, or a destination that is down. */
function isFatal(error: unknown): boolean {
  return error instanceof UsageError || error instanceof DestinationUnavailable;
}

/**
 * A row's identity across runs: `aws_request_id` for invocation rows; stream, metric, dimensions and time for
 * metric rows (they have no request id); else its position in the unit (`#n`, stable for the same input).
 */
export function rowKey(target: Target, row: Row, ordinal: number): string {
  if (target === 'metrics') {
    return typeof row['metric_name'] === 'string' ? metricKey(row) : `#${ordinal}`;
  }
  const requestId = row['aws_request_id'];
  return typeof requestId === 'string' && requestId !== '' ? requestId : `#${ordinal}`;
}

export function metricKey(row: Row): string {
  return `m|${String(row['metric_stream_name'])}|${String(row['metric_namespace'])}|${String(row['metric_name'])}|${String(row['metric_dimensions'])}|${String(row['_timestamp'])}`;
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** `schema_conformance_failed: …details…` → `schema_conformance_failed`, for the summary. */
export function reasonType(reason: string): string {
  const colon = reason.indexOf(':');
  return colon < 0 ? reason : reason.slice(0, colon);
}
