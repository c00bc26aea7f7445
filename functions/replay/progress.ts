import type { RunSummary } from './run.ts';

/**
 * Progress on stderr: one line rewritten in place on a terminal (rate and, once the listing is complete, an
 * ETA), a plain line every `intervalMs` otherwise, so logs of a long run in CI show it is alive.
 */
export interface Progress {
  update(summary: RunSummary): void;
  done(summary: RunSummary): void;
}

export interface ProgressOptions {
  readonly write: (text: string) => void;
  readonly tty: boolean;
  readonly listed: { readonly count: number; readonly complete: boolean };
  readonly intervalMs?: number;
  readonly nowMs?: () => number;
}

export const silentProgress: Progress = { update() {}, done() {} };

export function createProgress(options: ProgressOptions): Progress {
  const now = options.nowMs ?? Date.now;
  const started = now();
  const interval = options.intervalMs ?? (options.tty ? 250 : 30_000);
  let last = started;
  let drawn = false;

  const line = (summary: RunSummary): string => {
    const elapsedS = Math.max((now() - started) / 1000, 0.001);
    const rate = summary.rowsTransformed / elapsedS;
    const units = summary.unitsRead + summary.unitsAlreadyDone;
    const total = options.listed.complete ? String(options.listed.count) : `${options.listed.count}+`;
    let eta = options.listed.complete ? 'ETA after the first unit' : 'ETA after listing';
    if (options.listed.complete && units > 0) {
      const remaining = ((options.listed.count - units) * elapsedS) / units;
      eta = `ETA ${formatDuration(Math.max(remaining, 0))}`;
    }
    return `units ${units}/${total} · rows ${summary.rowsTransformed} (${rate.toFixed(0)}/s) · accepted ${summary.accepted} · ${eta}`;
  };

  return {
    update(summary) {
      const t = now();
      if (t - last < interval) return;
      last = t;
      if (options.tty) {
        options.write(`\r\x1b[2K${line(summary)}`);
        drawn = true;
      } else options.write(`${new Date(t).toISOString()} ${line(summary)}\n`);
    },
    done(summary) {
      if (options.tty && drawn) options.write(`\r\x1b[2K${line(summary)}\n`);
    },
  };
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600)
    return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
