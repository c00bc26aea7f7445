import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../../functions/replay/progress.ts';
import { newRunSummary } from '../../../functions/replay/run.ts';

describe('progress', () => {
  it('on a terminal: one line rewritten in place, with the rate and, once listing is complete, an ETA', () => {
    let now = 0;
    const out: string[] = [];
    const listed = { count: 10, complete: false };
    const progress = createProgress({ write: (text) => out.push(text), tty: true, listed, nowMs: () => now });
    const summary = newRunSummary(new Map());
    summary.unitsRead = 2;
    summary.rowsTransformed = 1000;
    now = 1000;
    progress.update(summary);
    expect(out.at(-1)).toBe('\r\x1b[2Kunits 2/10+ · rows 1000 (1000/s) · accepted 0 · ETA after listing');
    listed.complete = true;
    now = 2000;
    progress.update(summary);
    // 2 units in 2 s, 8 to go.
    expect(out.at(-1)).toBe('\r\x1b[2Kunits 2/10 · rows 1000 (500/s) · accepted 0 · ETA 8s');
    now = 2100;
    progress.update(summary);
    expect(out).toHaveLength(2); // at most one redraw per 250 ms
    progress.done(summary);
    expect(out.at(-1)?.endsWith('\n')).toBe(true);
  });

  it('elsewhere: a plain line now and then, nothing rewritten', () => {
    let now = 0;
    const out: string[] = [];
    const progress = createProgress({
      write: (text) => out.push(text),
      tty: false,
      listed: { count: 1, complete: true },
      nowMs: () => now,
    });
    const summary = newRunSummary(new Map());
    now = 10_000;
    progress.update(summary);
    expect(out).toHaveLength(0);
    now = 30_000;
    progress.update(summary);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^1970-01-01T00:00:30\.000Z units 0\/1 · rows 0 \(0\/s\) · accepted 0 · ETA after the first unit\n$/,
    );
    progress.done(summary);
    expect(out).toHaveLength(1);
  });

  it.each([
    [42, '42s'],
    [125, '2m05s'],
    [7260, '2h01m'],
  ])('formatDuration(%d) = %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
