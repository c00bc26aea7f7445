import type { S3Client } from '@aws-sdk/client-s3';
import { readObjectLines } from '../../s3-source/log-object.ts';
import { partitionMayHold, type TimeRange } from '../time-range.ts';
import type { Unit, UnitItem, UnitSource } from '../unit.ts';
import { type BackupContext, backupDocumentItems } from './backup-record.ts';
import { listObjects, objectBody } from './list-objects.ts';

/**
 * `replay`: every object under an S3 prefix of the Firehose failure backup (`errors/processing-failed/…`,
 * `errors/http-endpoint-failed/…`, `metrics/errors/…`), gzip or plain, one document per line.
 */

/** A record can reach the backup up to ~26 h after its event (CloudWatch retries 24 h, Firehose 2 h). */
const BACKUP_LAG_MS = 26 * 3_600_000;
const HOUR_PARTITION = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\//;

export interface BackupSourceOptions extends BackupContext {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly range: TimeRange;
}

export function backupUnits(options: BackupSourceOptions): UnitSource {
  const passedOver = new Map<string, number>();
  const listed = { count: 0, complete: false };
  async function* units(): AsyncGenerator<Unit> {
    for await (const object of listObjects(options.s3, options.bucket, options.prefix)) {
      const hour = HOUR_PARTITION.exec(object.key);
      if (hour !== null) {
        const [, y, m, d, h] = hour as unknown as [string, string, string, string, string];
        const hourStart = Date.UTC(Number(y), Number(m) - 1, Number(d), Number(h));
        if (!partitionMayHold(options.range, hourStart, BACKUP_LAG_MS)) {
          passedOver.set('outside_time_range', (passedOver.get('outside_time_range') ?? 0) + 1);
          continue;
        }
      }
      listed.count++;
      const label = `s3://${options.bucket}/${object.key}`;
      yield {
        id: `${label}@${object.etag}`,
        label,
        items: () => backupObjectItems(options, object.key, label),
      };
    }
    listed.complete = true;
  }
  return { units: units(), passedOver, listed };
}

async function* backupObjectItems(
  options: BackupSourceOptions,
  key: string,
  label: string,
): AsyncGenerator<UnitItem> {
  const body = await objectBody(options.s3, options.bucket, key);
  for await (const line of readObjectLines(body)) {
    if (line.kind === 'skipped') {
      yield { kind: 'read', count: 1 };
      yield { kind: 'unreadable', reason: line.reason, where: `${label} line ${line.line}` };
      continue;
    }
    yield { kind: 'read', count: 1 };
    yield* await backupDocumentItems(line.text, `${label} line ${line.line}`, options);
  }
}
