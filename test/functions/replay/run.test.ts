import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../../functions/replay/checkpoint.ts';
import { silentProgress } from '../../../functions/replay/progress.ts';
import { RejectsFile } from '../../../functions/replay/rejects.ts';
import { runUnits, type Sink } from '../../../functions/replay/run.ts';
import type { Unit, UnitItem, UnitSource } from '../../../functions/replay/unit.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.now();

function unit(id: string, ids: readonly string[], onRow?: (id: string) => void): Unit {
  return {
    id,
    label: id,
    async *items(): AsyncGenerator<UnitItem> {
      for (const requestId of ids) {
        onRow?.(requestId);
        yield { kind: 'read', count: 1 };
        yield {
          kind: 'row',
          target: 'logs',
          row: { _timestamp: (NOW - 60_000) * 1000, aws_request_id: requestId },
        };
      }
    },
  };
}

function source(units: readonly Unit[]): UnitSource {
  return {
    units: (async function* () {
      yield* units;
    })(),
    passedOver: new Map(),
    listed: { count: units.length, complete: true },
  };
}

function recordingSink(sent: string[], batchRows = 2): Sink {
  return {
    label: 'test',
    maxBatchRows: batchRows,
    maxBatchBytes: 1 << 20,
    async send(_target, rowsJson) {
      for (const json of rowsJson) sent.push(JSON.parse(json).aws_request_id);
      return rowsJson.map(() => ({ ok: true }));
    },
  };
}

function options(sink: Sink, checkpointPath: string, signal?: AbortSignal) {
  return {
    range: {},
    windowHours: 5,
    restamp: undefined,
    sink,
    presentIds: undefined,
    checkpoint: Checkpoint.open(checkpointPath, true),
    rejects: new RejectsFile(join(dir, 'rejects.ndjson')),
    progress: silentProgress,
    concurrency: 1,
    ...(signal === undefined ? {} : { signal }),
  };
}

describe('runUnits', () => {
  it('interrupted: sends what is batched, leaves the unit unfinished, and a rerun sends only the rest', async () => {
    const controller = new AbortController();
    const sent: string[] = [];
    const checkpointPath = join(dir, 'cp.ndjson');
    const rows = ['a', 'b', 'c', 'd', 'e'];
    // Ctrl-C while the fourth row is being read.
    const interrupted = unit('u1', rows, (id) => id === 'd' && controller.abort());

    const first = await runUnits(
      source([interrupted, unit('u2', ['z'])]),
      options(recordingSink(sent), checkpointPath, controller.signal),
    );

    expect(first.aborted).toBe('interrupted');
    expect(sent).toEqual(['a', 'b', 'c']); // a+b in a full batch, c flushed on the way out
    expect(first.unitsRead).toBe(1);

    const again: string[] = [];
    const second = await runUnits(
      source([unit('u1', rows), unit('u2', ['z'])]),
      options(recordingSink(again), checkpointPath),
    );
    expect(second.aborted).toBeUndefined();
    expect(again).toEqual(['d', 'e', 'z']);
    expect(second.skippedCheckpoint).toBe(3);
  });

  it('a request id seen twice in the input is sent once', async () => {
    const sent: string[] = [];
    const summary = await runUnits(
      source([unit('u1', ['a', 'b']), unit('u2', ['b', 'c'])]),
      options(recordingSink(sent), join(dir, 'cp.ndjson')),
    );
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(summary.skippedDuplicate).toBe(1);
  });
});
