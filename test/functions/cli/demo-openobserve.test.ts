import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { deliverFirehose, openObserveSettings } from '../../../functions/cli/openobserve.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';

const server = useMswServer();
const ENDPOINT = 'https://o2.example.test/aws/acme/bedrock_invocations/_kinesis_firehose';
const METRICS_ENDPOINT = 'https://o2.example.test/aws/acme/bedrock_metrics/_kinesis_firehose';
const env = {
  OPENOBSERVE_URL: 'https://o2.example.test/',
  OPENOBSERVE_ORG: 'acme',
  OPENOBSERVE_USER: 'ops@example.com',
  OPENOBSERVE_PASSWORD: 'pa55',
};
const tempDir = () => mkdtempSync(join(tmpdir(), 'o2-demo-'));

describe('demo and the OpenObserve settings', () => {
  it('a 401 is a configuration error: exit 2, one line saying what to set', async () => {
    server.use(
      http.post(ENDPOINT, () => new HttpResponse('Unauthorized Access', { status: 401 })),
      http.post(METRICS_ENDPOINT, () => new HttpResponse('Unauthorized Access', { status: 401 })),
    );
    const { io, stderr } = captureIo({ cwd: tempDir(), env });
    expect(await main(['demo'], io)).toBe(2);
    expect(stderr().trimEnd().split('\n').at(-1)).toBe(
      'bedrock-o2 demo: OpenObserve at https://o2.example.test rejected the credentials (401); check OPENOBSERVE_USER and OPENOBSERVE_PASSWORD, or OPENOBSERVE_TOKEN, and OPENOBSERVE_ORG',
    );
  });

  it('never prints the query string or fragment of OPENOBSERVE_URL', async () => {
    let posted = '';
    server.use(
      http.post(ENDPOINT, ({ request }) => {
        posted = request.url;
        return new HttpResponse('no', { status: 500 });
      }),
      http.post(METRICS_ENDPOINT, () => new HttpResponse('no', { status: 500 })),
    );
    const { io, stderr, stdout } = captureIo({
      cwd: tempDir(),
      env: { ...env, OPENOBSERVE_URL: 'https://o2.example.test/?token=SeCrEtTok#SeCrEtTok' },
    });
    expect(await main(['demo', '--json'], io)).toBe(1);
    expect(stderr()).toContain('delivery to https://o2.example.test failed: HTTP 500');
    expect(stderr() + stdout()).not.toContain('SeCrEtTok');
    expect(posted).toBe(ENDPOINT);
    const bad = captureIo({ env: { ...env, OPENOBSERVE_URL: 'nope?token=SeCrEtTok' } });
    expect(await main(['demo'], bad.io)).toBe(2);
    expect(bad.stderr()).not.toContain('SeCrEtTok');
  });

  it('gives up on an OpenObserve that never answers, with a line saying so', async () => {
    server.use(http.post(ENDPOINT, () => new Promise<never>(() => {})));
    const settings = openObserveSettings(env);
    if (settings === undefined) throw new Error('settings expected');
    const result = await deliverFirehose(settings, 'bedrock_invocations', ['e30='], fetch, 50);
    expect(result).toEqual({
      ok: false,
      status: 0,
      message: 'no answer from https://o2.example.test within 0.05 s; gave up',
    });
  });

  it('names why OpenObserve cannot be reached (the cause, not "fetch failed")', async () => {
    const settings = openObserveSettings(env);
    if (settings === undefined) throw new Error('settings expected');
    const refused = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      });
    };
    const result = await deliverFirehose(settings, 'bedrock_invocations', ['e30='], refused, 50);
    expect(result).toEqual({
      ok: false,
      status: 0,
      message: 'cannot reach https://o2.example.test: ECONNREFUSED',
    });
  });

  it('refuses an empty stream name, and treats an empty org as unset (default)', async () => {
    for (const flag of ['--stream', '--metrics-stream']) {
      const { io, stderr } = captureIo({ cwd: tempDir(), env });
      expect(await main(['demo', flag, ''], io)).toBe(2);
      expect(stderr()).toBe(`bedrock-o2 demo: ${flag} needs a stream name, not an empty string\n`);
    }
    expect(openObserveSettings({ ...env, OPENOBSERVE_ORG: '' })?.org).toBe('default');
    expect(openObserveSettings(env, { org: '' })?.org).toBe('acme');
  });
});
