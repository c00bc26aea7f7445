import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { openObserveSettings } from '../../../functions/cli/openobserve.ts';
import { FirehoseHttpRequestSchema } from '../../../schemas/firehose.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';

// Each of these once answered with a stack trace or a misleading message: now one line and the documented
// exit code (0 success, 1 data not fully processed or delivered, 2 usage or configuration error).
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLE_EVENT = join(REPO, 'examples/firehose-event.json');
const server = useMswServer();
const tempDir = () => mkdtempSync(join(tmpdir(), 'o2-cli-'));

describe('one clear line and the documented exit code', () => {
  it('BEDROCK_O2_CONFIG that is not JSON: one line, exit 2', async () => {
    const { io, stderr, stdout } = captureIo({ env: { BEDROCK_O2_CONFIG: 'not json' } });
    expect(await main(['transform', EXAMPLE_EVENT], io)).toBe(2);
    expect(stderr()).toMatch(/^bedrock-o2 transform: BEDROCK_O2_CONFIG is not valid JSON: [^\n]*\n$/);
    expect(stdout()).toBe('');
  });

  it('demo --out under a file names the file, not the path under it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'row.json'), 'x');
    const { io, stderr } = captureIo({ cwd: dir });
    expect(await main(['demo', '--out', 'row.json/sub'], io)).toBe(2);
    expect(stderr()).toBe(`bedrock-o2 demo: --out: ${join(dir, 'row.json')} is a file, not a directory\n`);
  });

  it('the real launcher prints the same line and exits 2, without a stack trace', () => {
    const result = spawnSync(
      join(REPO, 'node_modules/.bin/node'),
      ['bin/bedrock-o2.mjs', 'transform', EXAMPLE_EVENT],
      {
        cwd: REPO,
        encoding: 'utf8',
        env: { ...process.env, BEDROCK_O2_CONFIG: 'not json' },
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses Node older than 22.18 with one line and exit 2', () => {
    const fakeOldNode =
      'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"20.11.1"})';
    const result = spawnSync(
      join(REPO, 'node_modules/.bin/node'),
      ['--import', fakeOldNode, 'bin/bedrock-o2.mjs', '--help'],
      { cwd: REPO, encoding: 'utf8' },
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^bedrock-o2 needs Node >= 22\.18, this is v20\.11\.1: [^\n]*\n$/);
  });

  it('package.json declares no engines, so npm ci on an older system Node prints no EBADENGINE', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, Record<string, unknown>>;
    };
    expect(pkg['engines']).toBeUndefined();
    expect(lock.packages['']?.['engines']).toBeUndefined();
  });

  it('demo --out naming an existing file: one line, exit 2, before any work', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'taken'), 'x');
    const { io, stderr, stdout } = captureIo({ cwd: dir });
    expect(await main(['demo', '--out', 'taken'], io)).toBe(2);
    expect(stderr()).toMatch(/^bedrock-o2 demo: --out: \S+taken is a file, not a directory\n$/);
    expect(stdout()).toBe('');
  });

  it('demo --out below a file: one line, exit 2', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'taken'), 'x');
    const { io, stderr } = captureIo({ cwd: dir });
    expect(await main(['demo', '--out', 'taken/sub'], io)).toBe(2);
    expect(stderr().split('\n')).toHaveLength(2);
  });

  it('demo says what the dropped record is and can save its event for transform', async () => {
    const dir = tempDir();
    const demo = captureIo({ cwd: dir });
    expect(await main(['demo', '--out', 'o', '--save-event', 'event.json'], demo.io)).toBe(0);
    expect(demo.stderr()).toMatch(/\(1 dropped: the CloudWatch Logs control message the demo includes/);
    const transform = captureIo({ cwd: dir });
    expect(await main(['transform', '--rows', 'event.json'], transform.io)).toBe(0);
    const rows = transform.stdout().trimEnd().split('\n');
    expect(rows.length).toBe(
      readFileSync(join(dir, 'o/bedrock_invocations.ndjson'), 'utf8').trimEnd().split('\n').length,
    );
  });

  it('the shipped example event transforms to valid rows, and transform --help names it', async () => {
    const { io, stdout } = captureIo({ cwd: REPO });
    expect(await main(['transform', '--rows', 'examples/firehose-event.json'], io)).toBe(0);
    const rows = stdout()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) InvocationRowSchema.parse(row);
    const help = captureIo();
    expect(await main(['transform', '--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('examples/firehose-event.json');
    expect(help.stdout()).toContain('demo --save-event FILE');
  });

  it('transform with no FILE on a terminal says it is reading stdin', async () => {
    const { io, stderr } = captureIo({ stdin: readFileSync(EXAMPLE_EVENT) });
    expect(await main(['transform'], { ...io, stdinIsTty: true })).toBe(0);
    expect(stderr()).toMatch(/^reading a Firehose transformation event \(JSON\) from stdin/);
    const piped = captureIo({ stdin: readFileSync(EXAMPLE_EVENT) });
    expect(await main(['transform'], piped.io)).toBe(0);
    expect(piped.stderr()).not.toContain('reading a Firehose');
  });
});

describe('OPENOBSERVE_TOKEN', () => {
  const base = { OPENOBSERVE_URL: 'https://o2.example.test' };
  const encoded = Buffer.from('ops@example.com:s3cr3t').toString('base64');

  it.each([
    ['the base64 of email:token', encoded],
    ['with the Basic prefix', `Basic ${encoded}`],
    ['pasted as email:token', 'ops@example.com:s3cr3t'],
  ])('%s gives the same key', (_label, token) => {
    expect(openObserveSettings({ ...base, OPENOBSERVE_TOKEN: token })?.credentials).toBe(encoded);
  });

  it('anything else says what the variable wants', async () => {
    const { io, stderr } = captureIo({ env: { ...base, OPENOBSERVE_TOKEN: 'not a token!' } });
    expect(await main(['demo', '--out', join(tempDir(), 'o')], io)).toBe(2);
    expect(stderr()).toBe(
      'bedrock-o2 demo: OPENOBSERVE_TOKEN must be the base64 of email:token (as OpenObserve shows it after "Basic"), or email:token itself\n',
    );
  });

  it('a pasted email:token delivers with the base64 key, and the demo warns that re-running duplicates rows', async () => {
    let key: string | null = null;
    server.use(
      http.post('https://o2.example.test/aws/default/:stream/_kinesis_firehose', async ({ request }) => {
        key = request.headers.get('X-Amz-Firehose-Access-Key');
        const body = FirehoseHttpRequestSchema.parse(
          JSON.parse(gunzipSync(Buffer.from(await request.arrayBuffer())).toString()),
        );
        return HttpResponse.json({ requestId: body.requestId, timestamp: Date.now() });
      }),
    );
    const { io, stderr } = captureIo({ env: { ...base, OPENOBSERVE_TOKEN: 'ops@example.com:s3cr3t' } });
    expect(await main(['demo', '--out', join(tempDir(), 'o')], io)).toBe(0);
    expect(key).toBe(encoded);
    expect(stderr()).toMatch(
      /stream bedrock_invocations; OpenObserve keeps duplicates, so running the demo again adds these rows again \(same aws_request_id\)\n/,
    );
    // Metric rows have no request id: the note names what a repeated datapoint shares instead.
    expect(stderr()).toMatch(
      /stream bedrock_metrics; OpenObserve keeps duplicates, so running the demo again adds these rows again \(same metric, dimensions and minute\)\n/,
    );
  });
});

describe('OpenObserve settings name what to fix', () => {
  const url = 'https://o2.example.test';
  it.each([
    [
      { OPENOBSERVE_URL: url, OPENOBSERVE_USER: 'ops@example.com' },
      {},
      /^OPENOBSERVE_USER is set without OPENOBSERVE_PASSWORD$/,
    ],
    [
      { OPENOBSERVE_URL: url, OPENOBSERVE_PASSWORD: 'pa55' },
      {},
      /^OPENOBSERVE_PASSWORD is set without OPENOBSERVE_USER/,
    ],
    [
      {},
      { url },
      /^--url is set but neither OPENOBSERVE_USER \+ OPENOBSERVE_PASSWORD nor OPENOBSERVE_TOKEN is$/,
    ],
    [{ OPENOBSERVE_TOKEN: 'x:y' }, { url: 'o2.example.test' }, /^--url "o2.example.test" is not a URL$/],
    [
      { OPENOBSERVE_URL: 'o2.example.test', OPENOBSERVE_TOKEN: 'x:y' },
      {},
      /^OPENOBSERVE_URL "o2.example.test" is not a URL$/,
    ],
  ])('env %j, flags %j', (env, flags, message) => {
    expect(() => openObserveSettings(env, flags)).toThrow(message);
  });
});
