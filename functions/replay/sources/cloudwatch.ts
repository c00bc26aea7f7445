import { gzipSync } from 'node:zlib';
import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { RowMaker } from '../../transform/row/normalise.ts';
import { awsConfigError } from '../aws-setup.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { logsRecordItems } from '../transform-input.ts';
import type { Unit, UnitItem, UnitSource } from '../unit.ts';

/**
 * `backfill cloudwatch`: a log group's events over [from, to], one unit per UTC hour (resumable, and the
 * workers can read hours in parallel), FilterLogEvents paginated. Each page is wrapped in the envelope a
 * subscription would have delivered and run through the live logs transform, so the rows are the live rows.
 */

const HOUR_MS = 3_600_000;
/** Envelope size: what a subscription delivers is of this order; an envelope that encodes too large is halved. */
const EVENTS_PER_ENVELOPE = 50;

export interface CloudWatchSourceOptions {
  readonly logs: CloudWatchLogsClient;
  readonly region: string;
  readonly logGroup: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly normaliser: RowMaker;
  /** FilterLogEvents calls per second (the account quota is shared with everything else). */
  readonly limiter: RateLimiter;
}

export function cloudWatchUnits(options: CloudWatchSourceOptions): UnitSource {
  const listed = { count: 0, complete: false };
  const slices: { start: number; end: number }[] = [];
  for (let hour = Math.floor(options.fromMs / HOUR_MS) * HOUR_MS; hour <= options.toMs; hour += HOUR_MS)
    slices.push({ start: Math.max(hour, options.fromMs), end: Math.min(hour + HOUR_MS - 1, options.toMs) });
  listed.count = slices.length;
  listed.complete = true;
  async function* units(): AsyncGenerator<Unit> {
    for (const slice of slices) {
      const hour = new Date(slice.start).toISOString().slice(0, 13);
      yield {
        id: `cloudwatch:${options.region}:${options.logGroup}:${slice.start}-${slice.end}`,
        label: `${options.logGroup} (${options.region}) ${hour}Z`,
        items: () => sliceItems(options, slice.start, slice.end),
        ownRange: true,
      };
    }
  }
  return { units: units(), passedOver: new Map(), listed };
}

async function* sliceItems(
  options: CloudWatchSourceOptions,
  start: number,
  end: number,
): AsyncGenerator<UnitItem> {
  let token: string | undefined;
  let page = 0;
  do {
    await options.limiter.take(1);
    let output: FilterLogEventsCommandOutput;
    try {
      output = await options.logs.send(
        new FilterLogEventsCommand({
          logGroupName: options.logGroup,
          startTime: start,
          endTime: end,
          ...(token === undefined ? {} : { nextToken: token }),
        }),
      );
    } catch (error) {
      const config = awsConfigError(error, `log group ${options.logGroup} in ${options.region}`);
      if (config.name === 'UsageError') throw config;
      throw error;
    }
    page++;
    const events = output.events ?? [];
    yield { kind: 'read', count: events.length };
    for (const [stream, streamEvents] of byStream(events)) {
      for (let i = 0; i < streamEvents.length; i += EVENTS_PER_ENVELOPE) {
        yield* await envelopeItems(
          options,
          stream,
          streamEvents.slice(i, i + EVENTS_PER_ENVELOPE),
          `page ${page}`,
        );
      }
    }
    token = output.nextToken;
  } while (token !== undefined);
}

function byStream(events: readonly FilteredLogEvent[]): Map<string, FilteredLogEvent[]> {
  const streams = new Map<string, FilteredLogEvent[]>();
  for (const event of events) {
    const name = event.logStreamName ?? '';
    const list = streams.get(name) ?? [];
    list.push(event);
    streams.set(name, list);
  }
  return streams;
}

async function envelopeItems(
  options: CloudWatchSourceOptions,
  logStream: string,
  events: readonly FilteredLogEvent[],
  where: string,
): Promise<UnitItem[]> {
  const envelope = {
    messageType: 'DATA_MESSAGE',
    logGroup: options.logGroup,
    logStream,
    subscriptionFilters: [],
    logEvents: events.map((event) => ({
      id: event.eventId ?? '',
      timestamp: event.timestamp ?? 0,
      message: event.message ?? '',
    })),
  };
  const data = gzipSync(JSON.stringify(envelope), { level: 1 }).toString('base64');
  const items = await logsRecordItems(data, options.normaliser, `${options.logGroup} ${where}`);
  // The live record limit applies to one envelope's output; halve rather than fail events that fit alone.
  const tooLarge =
    items.length === 1 && items[0]?.kind === 'unreadable' && items[0].reason.includes('record limit');
  if (tooLarge && events.length > 1) {
    const half = Math.ceil(events.length / 2);
    return [
      ...(await envelopeItems(options, logStream, events.slice(0, half), where)),
      ...(await envelopeItems(options, logStream, events.slice(half), where)),
    ];
  }
  return items;
}
