import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { readyS3Client } from '../../../functions/replay/aws-setup.ts';
import { objectBody, stallGuardedGetObject } from '../../../functions/replay/sources/list-objects.ts';
import { readObjectLines } from '../../../functions/s3-source/log-object.ts';
import { readOffloadedBodies } from '../../../functions/s3-source/offloaded-body.ts';
import { captureIo } from '../../helpers/cli.ts';
import {
  httpEndpointFailedDoc,
  invocationLog,
  objectOf,
  processingFailedDoc,
  rowsFor,
} from '../../helpers/replay.ts';

/**
 * The real AWS SDK S3 client and real HTTP, against a local stand-in for S3 (ListObjectsV2 XML, streamed
 * GetObject bodies) and OpenObserve: AWS_ENDPOINT_URL_S3 is honoured, path-style addressing works, pages
 * are followed, bodies are read as the network hands them over. No msw in this file.
 */

const t = Date.now() - 3_600_000;
const OBJECTS = new Map<string, Buffer>([
  [
    'errors/processing-failed/2026/11/30/00/a',
    objectOf([processingFailedDoc([invocationLog('local-1', t)])], true),
  ],
  [
    'errors/http-endpoint-failed/2026/11/30/00/b',
    objectOf(
      [httpEndpointFailedDoc(rowsFor([invocationLog('local-2', t), invocationLog('local-3', t)]))],
      false,
    ),
  ],
]);
const received: string[] = [];
const listRequests: string[] = [];
let server: Server;
let base: string;
let cwd: string;
const saved = new Map<string, string | undefined>();

function xmlEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');
}

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** ListObjectsV2, one key a page, so the client must follow continuation tokens. */
function listBucket(url: URL, response: ServerResponse): void {
  listRequests.push(url.search);
  const keys = [...OBJECTS.keys()].filter((key) => key.startsWith(url.searchParams.get('prefix') ?? ''));
  const start = Number(url.searchParams.get('continuation-token') ?? 0);
  const key = keys[start] as string;
  const more = start + 1 < keys.length;
  response.writeHead(200, { 'Content-Type': 'application/xml' });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>backup-bucket</Name><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>${more}</IsTruncated><Contents><Key>${xmlEscape(key)}</Key><LastModified>2026-11-30T00:00:00.000Z</LastModified><ETag>&quot;e${start}&quot;</ETag><Size>${OBJECTS.get(key)?.length}</Size><StorageClass>STANDARD</StorageClass></Contents>${more ? `<NextContinuationToken>${start + 1}</NextContinuationToken>` : ''}</ListBucketResult>`,
  );
}

/** Headers and a first piece of the body, then nothing: the server neither ends nor closes. */
function stall(response: ServerResponse): void {
  response.writeHead(200, { 'Content-Length': 1000, ETag: '"s"' });
  response.write(Buffer.alloc(10, 0x20));
}

/** Sockets of the corrupt object that the server saw closed by the client. */
const corruptClosed: string[] = [];

/** The gzip magic, then bytes that are no deflate stream, and more to come: the reader fails first. */
function corruptThenOpen(response: ServerResponse): void {
  response.on('close', () => corruptClosed.push('closed'));
  response.writeHead(200, { 'Content-Length': 1_000_000, ETag: '"c"' });
  response.write(Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(4096, 0xff)]));
}

/** More than the sockets between server and client buffer: the server must wait for the reader. */
const LARGE = Buffer.alloc(64 * 1024 * 1024, 0x20);

/** The objects that do not answer as S3 does: true when `path` is one (answered as it answers). */
function misbehaves(path: string, response: ServerResponse): boolean {
  if (path === '/stalled-bucket/stalled') stall(response);
  else if (path === '/corrupt-bucket/corrupt') corruptThenOpen(response);
  else if (path === '/large-bucket/large') {
    response.writeHead(200, { 'Content-Length': LARGE.length, ETag: '"l"' });
    response.end(LARGE);
  }
  // No answer at all: no headers, no close.
  else if (path !== '/silent-bucket/silent') return false;
  return true;
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://local');
    if (request.method === 'GET' && (url.pathname === '/backup-bucket/' || url.pathname === '/backup-bucket'))
      return listBucket(url, response);
    if (request.method === 'GET' && misbehaves(url.pathname, response)) return;
    if (request.method === 'GET' && url.pathname.startsWith('/backup-bucket/')) {
      const object = OBJECTS.get(decodeURIComponent(url.pathname.slice('/backup-bucket/'.length)));
      if (object === undefined) {
        response.writeHead(404, { 'Content-Type': 'application/xml' });
        response.end('<Error><Code>NoSuchKey</Code><Message>no</Message></Error>');
        return;
      }
      response.writeHead(200, { 'Content-Length': object.length, ETag: '"e"' });
      // Two writes: the client sees the body in pieces.
      response.write(object.subarray(0, 10));
      response.end(object.subarray(10));
      return;
    }
    if (request.method === 'POST' && url.pathname === '/api/default/_bulk') {
      const raw = await body(request);
      const lines = gunzipSync(raw).toString('utf8').trim().split('\n');
      const items = [];
      for (let i = 1; i < lines.length; i += 2) {
        received.push(String(JSON.parse(lines[i] as string).aws_request_id));
        items.push({ index: { _index: 'bedrock_invocations', status: 200 } });
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ took: 1, errors: false, items }));
      return;
    }
    if (request.method === 'POST' && url.pathname === '/api/default/_search') {
      await body(request);
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ took: 1, hits: [], total: 0, from: 0, size: 0 }));
      return;
    }
    response.writeHead(400);
    response.end(`unexpected ${request.method} ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    AWS_ENDPOINT_URL_S3: base,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example-secret',
  };
  for (const [key, value] of Object.entries(env)) {
    saved.set(key, process.env[key]);
    process.env[key] = value;
  }
  cwd = mkdtempSync(join(tmpdir(), 'bedrock-o2-local-'));
});

afterAll(async () => {
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(cwd, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the CLI S3 client against a server that stalls', () => {
  it('fails a GetObject whose body stops arriving instead of waiting for ever', async () => {
    const s3 = await readyS3Client(process.env, { bucket: 'stalled-bucket', prefix: '' });
    const started = Date.now();
    const read = async () => {
      const chunks = [];
      for await (const chunk of await objectBody(s3, 'stalled-bucket', 'stalled', { stallMs: 300 }))
        chunks.push(chunk);
      return chunks;
    };
    await expect(read()).rejects.toThrow('cannot read s3://stalled-bucket/stalled: no data for 0.3 s');
    expect(Date.now() - started).toBeLessThan(10_000);
    s3.destroy();
  });
});

describe('an object body a reader gives up on', () => {
  it('is destroyed, so its connection is not held for ever (a corrupt gzip object in a backfill)', async () => {
    const s3 = await readyS3Client(process.env, { bucket: 'corrupt-bucket', prefix: '' });
    const read = async () => {
      for await (const _ of readObjectLines(await objectBody(s3, 'corrupt-bucket', 'corrupt'))) {
        // nothing: the gzip error comes first
      }
    };
    await expect(read()).rejects.toThrow();
    await vi.waitFor(() => expect(corruptClosed).toEqual(['closed']), { timeout: 3_000 });
    s3.destroy();
  });
});

describe('the CLI S3 client against a server that never answers', () => {
  it('fails a GetObject whose headers never come instead of waiting for ever', async () => {
    const s3 = await readyS3Client(process.env, { bucket: 'silent-bucket', prefix: '' }, { timeoutMs: 300 });
    const started = Date.now();
    await expect(objectBody(s3, 'silent-bucket', 'silent')).rejects.toThrow(
      /cannot read s3:\/\/silent-bucket\/silent: TimeoutError/,
    );
    expect(Date.now() - started).toBeLessThan(8_000);
    s3.destroy();
  }, 10_000);

  it('backfill s3 --hydrate: an offloaded body that stops arriving fails that body instead of the run hanging', async () => {
    // The hydrate reader has no time budget in the CLI: only the stall guard ends such a read.
    const s3 = await readyS3Client(process.env, { bucket: 'stalled-bucket', prefix: '' });
    const { bodies, failures } = await readOffloadedBodies(
      new Map([
        [
          's3://stalled-bucket/stalled',
          { bucket: 'stalled-bucket', key: 'stalled', requestId: 'r', side: 'input' },
        ],
      ]),
      {
        getObject: stallGuardedGetObject(s3, { stallMs: 300 }),
        concurrency: 1,
        maxObjectBytes: 1 << 20,
        budget: { used: 0, max: 1 << 20 },
        retryDelaysMs: [],
      },
    );
    expect(bodies.size).toBe(0);
    expect(failures.get('s3://stalled-bucket/stalled')).toBe('s3_error');
    s3.destroy();
  }, 10_000);
});

describe('the CLI S3 client with a reader that is busy elsewhere', () => {
  it('a body its reader pauses on (rows waiting for OpenObserve) is not failed as stalled', async () => {
    const s3 = await readyS3Client(process.env, { bucket: 'large-bucket', prefix: '' }, { timeoutMs: 300 });
    let bytes = 0;
    let paused = false;
    for await (const chunk of await objectBody(s3, 'large-bucket', 'large', { stallMs: 300 })) {
      bytes += chunk.length;
      if (!paused) {
        paused = true;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    expect(bytes).toBe(LARGE.length);
    s3.destroy();
  }, 15_000);
});

describe('replay against local S3 and OpenObserve endpoints', () => {
  it('lists page by page, streams the bodies and delivers every row', async () => {
    const { io, stdout, stderr } = captureIo({
      cwd,
      env: {
        OPENOBSERVE_URL: base,
        OPENOBSERVE_TOKEN: 'cm9vdDpwdw==',
        AWS_ENDPOINT_URL_S3: base,
      },
    });
    const code = await main(['replay', 's3://backup-bucket/errors/', '--json'], io);
    expect(stderr()).not.toMatch(/skipped|stopped/);
    expect(code).toBe(0);
    expect(listRequests).toHaveLength(2);
    expect(listRequests[1]).toContain('continuation-token=1');
    expect(received.sort()).toEqual(['local-1', 'local-2', 'local-3']);
    expect(JSON.parse(stdout())).toMatchObject({ accepted: 3, units: { read: 2 } });
  });
});
