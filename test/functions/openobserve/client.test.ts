import { delay, HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { createManagementClient, OpenObserveApiError } from '../../../functions/openobserve/client.ts';
import { useMswServer } from '../../helpers/msw.ts';

const server = useMswServer();
const BASE = 'https://o2.example.test';
const settings = {
  url: BASE,
  org: 'acme',
  credentials: Buffer.from('ops@example.com:s3cret').toString('base64'),
};

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

async function failure(promise: Promise<unknown>): Promise<OpenObserveApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof OpenObserveApiError))
    throw new Error(`expected an OpenObserveApiError, got ${String(error)}`);
  return error;
}

describe('createManagementClient', () => {
  it('sends Basic auth and waits as long as Retry-After asks on 429', async () => {
    const seen: (string | null)[] = [];
    let calls = 0;
    server.use(
      http.get(`${BASE}/api/acme/functions`, ({ request }) => {
        seen.push(request.headers.get('authorization'));
        calls++;
        return calls === 1
          ? new HttpResponse('slow down', { status: 429, headers: { 'Retry-After': '3' } })
          : HttpResponse.json({ list: [] });
      }),
    );
    const { waits, sleep } = recordingSleep();
    const client = createManagementClient(settings, { sleep });

    const response = await client.request({ method: 'GET', path: '/api/acme/functions', asset: 'functions' });

    expect(response).toEqual({ status: 200, body: { list: [] } });
    expect(seen).toEqual([`Basic ${settings.credentials}`, `Basic ${settings.credentials}`]);
    expect(waits).toEqual([3000]);
  });

  it('backs off exponentially within bounds and stops after the attempts', async () => {
    server.use(http.put(`${BASE}/api/acme/x`, () => HttpResponse.json({ message: 'down' }, { status: 503 })));
    const { waits, sleep } = recordingSleep();
    const client = createManagementClient(settings, { sleep, attempts: 5, backoffMs: 400 });

    const error = await failure(
      client.request({ method: 'PUT', path: '/api/acme/x', body: {}, asset: 'thing "x"' }),
    );

    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe(
      `thing "x": OpenObserve answered PUT /api/acme/x with 503: down after 5 attempts; check the server's health and re-run (provision is idempotent)`,
    );
    expect(waits).toHaveLength(4);
    const bounds = [400, 800, 1600, 3200];
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual((bounds[i] ?? 0) / 2);
      expect(ms).toBeLessThanOrEqual(bounds[i] ?? 0);
    });
  });

  it('retries a create that is not idempotent only on 429', async () => {
    let calls = 0;
    server.use(
      http.post(`${BASE}/api/acme/dashboards`, () => {
        calls++;
        return calls === 1
          ? new HttpResponse(null, { status: 429 })
          : HttpResponse.json({ message: 'boom' }, { status: 500 });
      }),
    );
    const client = createManagementClient(settings, { sleep: async () => {} });

    const error = await failure(
      client.request({
        method: 'POST',
        path: '/api/acme/dashboards',
        body: {},
        asset: 'd',
        idempotent: false,
      }),
    );

    expect(calls).toBe(2);
    expect(error.status).toBe(500);
  });

  it('times out a silent server and never shows credentials held in the URL', async () => {
    server.use(
      http.get(`${BASE}/api/acme/functions`, async () => {
        await delay(200);
        return HttpResponse.json({ list: [] });
      }),
    );
    const client = createManagementClient(
      { ...settings, url: 'https://admin:hunter2@o2.example.test' },
      { sleep: async () => {}, timeoutMs: 20, attempts: 2 },
    );

    const error = await failure(
      client.request({ method: 'GET', path: '/api/acme/functions', asset: 'functions' }),
    );

    expect(error.message).toMatch(/^functions: cannot reach https:\/\/o2\.example\.test \(/);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain(settings.credentials);
    expect(client.url).toBe('https://o2.example.test');
  });

  it('maps 401, 403 and an unknown route to one line each', async () => {
    server.use(
      http.get(`${BASE}/api/acme/a`, () => new HttpResponse('Unauthorized Access', { status: 401 })),
      http.get(`${BASE}/api/acme/b`, () => HttpResponse.json({ message: 'Unauthorized' }, { status: 403 })),
      http.get(`${BASE}/api/acme/c`, () => new HttpResponse(null, { status: 404 })),
    );
    const client = createManagementClient(settings, { sleep: async () => {} });
    const get = (path: string) => failure(client.request({ method: 'GET', path, asset: 'x' }));

    const [unauthorized, forbidden, unknown] = await Promise.all([
      get('/api/acme/a'),
      get('/api/acme/b'),
      get('/api/acme/c'),
    ]);

    expect([unauthorized.kind, forbidden.kind, unknown.kind]).toEqual([
      'credentials',
      'forbidden',
      'old-server',
    ]);
    for (const error of [unauthorized, forbidden, unknown]) expect(error.message).not.toContain('\n');
    expect(unknown.message).toContain('GET /api/acme/c is not found (404); this OpenObserve predates');
  });

  it("reports the server's own 404 (a missing stream) as a refusal, not as an old server", async () => {
    server.use(
      http.post(`${BASE}/api/v2/acme/alerts`, () =>
        HttpResponse.json({ code: 404, message: 'StreamNotFound' }, { status: 404 }),
      ),
    );
    const client = createManagementClient(settings, { sleep: async () => {} });

    const error = await failure(
      client.request({ method: 'POST', path: '/api/v2/acme/alerts', body: {}, asset: 'alert "a"' }),
    );

    expect(error.kind).toBe('refused');
    expect(error.message).toBe(
      'alert "a": OpenObserve refused POST /api/v2/acme/alerts (404: StreamNotFound)',
    );
  });

  it('refuses any write in read-only (dry run) mode before sending it', async () => {
    const client = createManagementClient(settings, { readOnly: true });

    await expect(client.request({ method: 'POST', path: '/api/acme/functions', asset: 'f' })).rejects.toThrow(
      'dry run: refusing POST /api/acme/functions',
    );
  });
});
