import { isComplete, type RunSummary } from '../replay/run.ts';
import type { DeliveryPlan } from './delivery.ts';
import { formatTable } from './table.ts';

/** How a replay or backfill run is reported: the table, the `--json` summary and the ingest-window remedies. */

/** Why rows outside the window were not sent, and the two ways to send them. */
export function windowRemedies(count: number, windowHours: number): string {
  return `${count} rows are older than OpenObserve's ingest window (${windowHours} h) and were not sent: OpenObserve drops such rows and still answers success.
Either: raise ZO_INGEST_ALLOWED_UPTO on the server (hours, e.g. 720 for 30 days; restart it) and pass --ingest-window-hours with the same value,
or:     pass --restamp to move _timestamp into the window (as the demo does; the original time stays in aws_bedrock_event_time).
`;
}

/** The `--json` summary: the same counts as the table, plus where the checkpoint and rejects are. */
export function summaryJson(
  summary: RunSummary,
  plan: Pick<DeliveryPlan, 'command'>,
  extra: {
    dryRun: boolean;
    via: string;
    retries: number;
    rejects: { count: number; path: string };
    checkpointPath: string;
  },
): object {
  return {
    command: plan.command,
    complete: isComplete(summary),
    dryRun: extra.dryRun,
    via: extra.via,
    units: {
      listed: summary.unitsListed,
      read: summary.unitsRead,
      alreadyDone: summary.unitsAlreadyDone,
      failed: summary.unitsFailed,
      passedOver: Object.fromEntries(summary.passedOver),
    },
    recordsRead: summary.recordsRead,
    inputsSkipped: Object.fromEntries(summary.inputsSkipped),
    notes: Object.fromEntries(summary.notes),
    unreadable: Object.fromEntries(summary.unreadable),
    rowsTransformed: summary.rowsTransformed,
    outsideRange: summary.outsideRange,
    skipped: {
      checkpoint: summary.skippedCheckpoint,
      alreadyPresent: summary.skippedPresent,
      duplicateInInput: summary.skippedDuplicate,
    },
    outsideWindow: summary.outsideWindow,
    restamped: summary.restamped,
    wouldSend: summary.wouldSend,
    sent: summary.sent,
    accepted: summary.accepted,
    rejected: Object.fromEntries(summary.rejected),
    openObserveRetries: extra.retries,
    rejectsFile: extra.rejects.count > 0 ? extra.rejects.path : null,
    checkpoint: extra.checkpointPath,
    aborted: summary.aborted ?? null,
  };
}

/** The summary table printed at the end of a run. */
export function renderSummary(summary: RunSummary, noun: string, dryRun: boolean): string {
  const rows: (string | number)[][] = [['', 'count']];
  rows.push([`${noun} listed`, summary.unitsListed]);
  rows.push([`${noun} read`, summary.unitsRead]);
  if (summary.unitsAlreadyDone > 0) rows.push([`${noun} done in an earlier run`, summary.unitsAlreadyDone]);
  if (summary.unitsFailed.length > 0) rows.push([`${noun} unreadable, skipped`, summary.unitsFailed.length]);
  for (const [reason, n] of summary.passedOver) rows.push([`  passed over: ${reason}`, n]);
  rows.push(['input records read', summary.recordsRead]);
  for (const [reason, n] of summary.inputsSkipped) rows.push([`  skipped: ${reason}`, n]);
  for (const [reason, n] of summary.unreadable) rows.push([`  unreadable: ${reason}`, n]);
  for (const [reason, n] of summary.notes) rows.push([`  note: ${reason}`, n]);
  rows.push(['rows transformed', summary.rowsTransformed]);
  if (summary.outsideRange > 0) rows.push(['  outside --from/--to', summary.outsideRange]);
  rows.push(['  skipped: acknowledged in an earlier run', summary.skippedCheckpoint]);
  rows.push(['  skipped: already in OpenObserve', summary.skippedPresent]);
  if (summary.skippedDuplicate > 0)
    rows.push(['  skipped: duplicate in the input', summary.skippedDuplicate]);
  rows.push(['  outside the ingest window, not sent', summary.outsideWindow]);
  if (summary.restamped > 0) rows.push(['  restamped into the window', summary.restamped]);
  if (dryRun) rows.push(['would send', summary.wouldSend]);
  else {
    rows.push(['sent', summary.sent]);
    rows.push(['accepted', summary.accepted]);
    for (const [reason, n] of summary.rejected) rows.push([`  rejected: ${reason}`, n]);
  }
  return formatTable(rows);
}
