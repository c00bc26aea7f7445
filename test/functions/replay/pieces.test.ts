import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../functions/cli/io.ts';
import { Checkpoint } from '../../../functions/replay/checkpoint.ts';
import { bulkResults, OpenObserveApi, sqlString } from '../../../functions/replay/openobserve-api.ts';
import { parseS3Url } from '../../../functions/replay/s3-url.ts';
import { parseTime, partitionMayHold } from '../../../functions/replay/time-range.ts';
import { useMswServer } from '../../helpers/msw.ts';
import { O2_URL } from '../../helpers/replay.ts';

const server = useMswServer();
const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('parseTime', () => {
  it.each([
    ['30m', NOW - 30 * 60_000],
    ['6h', NOW - 6 * 3_600_000],
    ['7d', NOW - 7 * 86_400_000],
    ['2026-11-29T10:00:00Z', Date.parse('2026-11-29T10:00:00Z')],
    ['2026-11-29', Date.parse('2026-11-29')],
    ['now', NOW],
    ['NOW', NOW],
  ])('%s', (value, expected) => {
    expect(parseTime(value, '--from', NOW)).toBe(expected);
  });

  it.each(['yesterday', '1', '6 hours', '', 'nowish'])('%j is a usage error', (value) => {
    expect(() => parseTime(value, '--from', NOW)).toThrow(UsageError);
  });
});

describe('partitionMayHold', () => {
  const hour = Date.parse('2026-11-30T10:00:00Z');
  it('keeps an hour that ends after --from and starts (minus the lag) before --to', () => {
    expect(partitionMayHold({ fromMs: hour + 59 * 60_000 }, hour, 0)).toBe(true);
    expect(partitionMayHold({ fromMs: hour + 3_600_000 }, hour, 0)).toBe(false);
    expect(partitionMayHold({ toMs: hour - 1 }, hour, 0)).toBe(false);
    expect(partitionMayHold({ toMs: hour - 1 }, hour, 26 * 3_600_000)).toBe(true);
  });
});

describe('parseS3Url', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://my-bucket/errors/processing-failed/')).toEqual({
      bucket: 'my-bucket',
      prefix: 'errors/processing-failed/',
    });
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
  });
  it.each(['https://my-bucket/x', 's3://', 's3://My_Bucket/x', 'my-bucket/x'])(
    '%s is a usage error',
    (url) => {
      expect(() => parseS3Url(url)).toThrow(UsageError);
    },
  );
});

describe('Checkpoint', () => {
  it('a unit finished for a range covers that range and narrower ones only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-cp-'));
    try {
      const path = join(dir, 'cp.ndjson');
      const checkpoint = Checkpoint.open(path, true);
      checkpoint.ack('u1', ['a', 'b']);
      checkpoint.finish('u2', { fromMs: 100, toMs: 200 });
      checkpoint.finish('u3', {});
      const reopened = Checkpoint.open(path, true);
      expect(reopened.isAcked('u1', 'a')).toBe(true);
      expect(reopened.isAcked('u1', 'c')).toBe(false);
      expect(reopened.isDone('u2', { fromMs: 120, toMs: 180 })).toBe(true);
      expect(reopened.isDone('u2', { fromMs: 50, toMs: 180 })).toBe(false);
      expect(reopened.isDone('u2', {})).toBe(false);
      expect(reopened.isDone('u3', { fromMs: 1 })).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forgets the keys of finished units when it reopens (the file shrinks)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bedrock-o2-cp-'));
    try {
      const path = join(dir, 'cp.ndjson');
      const checkpoint = Checkpoint.open(path, true);
      checkpoint.ack('u1', ['a', 'b']);
      checkpoint.ack('u1', ['c']);
      checkpoint.finish('u1', {});
      checkpoint.ack('u2', ['x']);
      Checkpoint.open(path, true);
      const lines = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines).toEqual([
        { unit: 'u1', done: true, from: null, to: null },
        { unit: 'u2', keys: ['x'] },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bulkResults', () => {
  it('maps items to rows by position and keeps each error', () => {
    const answer = JSON.stringify({
      took: 1,
      errors: true,
      items: [
        { index: { _index: 's', status: 200 } },
        {
          index: {
            _index: 's',
            status: 422,
            error: {
              type: 'timestamp_parsing_failed',
              reason: 'Too old data, only last 5 hours data can be ingested.',
            },
          },
        },
      ],
    });
    expect(bulkResults(answer, 2)).toEqual([
      { ok: true },
      {
        ok: false,
        reason: 'timestamp_parsing_failed: Too old data, only last 5 hours data can be ingested.',
      },
    ]);
  });

  it('an answer that lists only errors cannot be matched to rows: nothing is taken as accepted', () => {
    const answer = JSON.stringify({
      errors: true,
      items: [{ index: { status: 422, error: { type: 'x' } } }],
    });
    expect(bulkResults(answer, 3).every((result) => !result.ok)).toBe(true);
  });

  it('a clean answer with no items (errors-only mode) accepts every row', () => {
    expect(bulkResults(JSON.stringify({ errors: false, items: [] }), 2)).toEqual([
      { ok: true },
      { ok: true },
    ]);
  });
});

describe('OpenObserveApi', () => {
  const settings = { url: O2_URL, org: 'default', credentials: 'cm9vdDpwdw==' };

  it('a refused credential is a configuration error', async () => {
    server.use(
      http.post(
        `${O2_URL}/api/default/_bulk`,
        () => new HttpResponse('Unauthorized Access', { status: 401 }),
      ),
    );
    const api = new OpenObserveApi(settings, { sleep: async () => {} });
    await expect(api.bulk('s', ['{}'])).rejects.toThrow(
      /OpenObserve refused the credentials \(HTTP 401\).*OPENOBSERVE_TOKEN/,
    );
  });

  it('searching a stream that does not exist yet is an empty answer', async () => {
    server.use(
      http.post(`${O2_URL}/api/default/_search`, () =>
        HttpResponse.json({ code: 20002, message: 'Search stream not found' }, { status: 400 }),
      ),
    );
    const api = new OpenObserveApi(settings, { sleep: async () => {} });
    expect(await api.search('SELECT 1', 1, 2, 0, 10)).toEqual({ hits: [], total: 0 });
  });

  it('sqlString doubles quotes', () => {
    expect(sqlString("a'); DROP TABLE x; --")).toBe("'a''); DROP TABLE x; --'");
  });
});
