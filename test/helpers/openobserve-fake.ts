import { createHash, randomBytes } from 'node:crypto';
import { HttpResponse, http } from 'msw';

/**
 * A small stateful OpenObserve management API for msw, faithful to openobserve-contract §7–§11 where
 * provision relies on it: Basic auth (401 text), folders by name, dashboards with a content hash checked on
 * PUT (409 when stale, 500 when missing), alerts v2 keeping a given id with ?overwrite=true (a second POST of
 * that id clashes), destinations by name, functions (400 "already exist", the server's `\n .` suffix),
 * pipelines with one realtime pipeline per source stream and a version checked on PUT, streams created once
 * and settings applied as add/remove diffs. Any other route answers 404, as an older server would.
 */

export const FAKE_URL = 'https://o2.example.test';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly search: string;
  readonly body: unknown;
}

interface StoredDashboard {
  folderId: string;
  v8: Record<string, unknown>;
  hash: string;
}

interface Failure {
  readonly method: string;
  readonly pattern: RegExp;
  readonly status: number;
  remaining: number;
}

type Json = Record<string, unknown>;

interface Folder {
  folderId: string;
  name: string;
  description: string;
}

export interface StreamState {
  schema: { name: string; type: string }[];
  settings: {
    index_fields: string[];
    bloom_filter_fields: string[];
    full_text_search_keys: string[];
    data_retention: number;
  };
}

export class FakeOpenObserve {
  readonly org: string;
  readonly authorization: string;
  readonly requests: FakeRequest[] = [];
  readonly folders = new Map<string, Folder[]>([
    ['dashboards', [{ folderId: 'default', name: 'default', description: '' }]],
    ['alerts', [{ folderId: 'default', name: 'default', description: '' }]],
  ]);
  readonly dashboards = new Map<string, StoredDashboard>();
  readonly alerts = new Map<string, Json & { folder_id: string }>();
  readonly destinations = new Set<string>();
  readonly functions = new Map<string, Json>();
  readonly pipelines = new Map<string, Json & { version: number }>();
  readonly streams = new Map<string, StreamState>();
  /** Called after each dashboard GET by id: lets a test edit the dashboard "concurrently". */
  afterDashboardRead: ((id: string) => void) | undefined;
  private readonly failures: Failure[] = [];
  private nextId = 1;

  constructor(options: { org?: string; user?: string; password?: string } = {}) {
    this.org = options.org ?? 'acme';
    const user = options.user ?? 'ops@example.com';
    const password = options.password ?? 'pa55';
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  /** Answer the next `times` requests matching method and path with `status` (404: as an unknown route). */
  fail(method: string, pattern: RegExp, status: number, times = 1): void {
    this.failures.push({ method, pattern, status, remaining: times });
  }

  writes(): FakeRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  /** Server-side edit of a dashboard, as a user in the UI would make it: new content, new hash. */
  editDashboard(id: string, change: (v8: Record<string, unknown>) => void): void {
    const stored = this.dashboards.get(id);
    if (stored === undefined) throw new Error(`no dashboard ${id}`);
    change(stored.v8);
    stored.hash = contentHash(stored.v8);
  }

  /** Put a dashboard in place directly, e.g. one a user made. Returns its id. */
  seedDashboard(folderId: string, v8: Record<string, unknown>): string {
    const id = this.id('dash');
    const body = { ...v8, dashboardId: id, version: 8 };
    this.dashboards.set(id, { folderId, v8: body, hash: contentHash(body) });
    return id;
  }

  seedFolder(type: 'dashboards' | 'alerts', name: string): string {
    const folderId = this.id('folder');
    this.folders.get(type)?.push({ folderId, name, description: 'made by a user' });
    return folderId;
  }

  handlers() {
    return [http.all(`${FAKE_URL}/*`, async ({ request }) => this.handle(request))];
  }

  private id(prefix: string): string {
    return `${prefix}${String(this.nextId++).padStart(4, '0')}${randomBytes(2).toString('hex')}`;
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = await request.text();
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    this.requests.push({ method: request.method, path: url.pathname, search: url.search, body });
    if (request.headers.get('authorization') !== this.authorization) {
      return new HttpResponse('Unauthorized Access', {
        status: 401,
        headers: { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer realm="openobserve"' },
      });
    }
    const failure = this.failures.find(
      (f) => f.remaining > 0 && f.method === request.method && f.pattern.test(url.pathname),
    );
    if (failure !== undefined) {
      failure.remaining--;
      // A 404 without a body is what a server answers for a route it does not have.
      if (failure.status === 404) return new HttpResponse(null, { status: 404 });
      return HttpResponse.json(
        { code: failure.status, message: 'injected failure' },
        { status: failure.status },
      );
    }
    return this.route(request.method, url, body as Json | undefined);
  }

  private route(method: string, url: URL, body: Json | undefined): Response {
    const q = url.searchParams;
    const payload = body ?? {};
    for (const [routeMethod, pattern, answer] of this.routes()) {
      if (routeMethod !== method) continue;
      const match = new RegExp(`^${pattern.replace('{org}', this.org)}$`).exec(url.pathname);
      if (match !== null) return answer(match.slice(1).map(decodeURIComponent), q, payload);
    }
    return new HttpResponse(null, { status: 404 });
  }

  private routes(): [string, string, (params: string[], q: URLSearchParams, body: Json) => Response][] {
    return [
      [
        'GET',
        '/api/v2/{org}/folders/(dashboards|alerts)/name/([^/]+)',
        ([type, name]) => this.findFolder(type, name),
      ],
      [
        'POST',
        '/api/v2/{org}/folders/(dashboards|alerts)',
        ([type], _, body) => this.createFolder(type, body),
      ],
      ['GET', '/api/{org}/dashboards', (_, q) => this.listDashboards(q)],
      ['POST', '/api/{org}/dashboards', (_, q, body) => this.createDashboard(q, body)],
      ['GET', '/api/{org}/dashboards/([^/]+)', ([id]) => this.getDashboard(id ?? '')],
      ['PUT', '/api/{org}/dashboards/([^/]+)', ([id], q, body) => this.updateDashboard(id ?? '', q, body)],
      ['GET', '/api/{org}/alerts/destinations/([^/]+)', ([name]) => this.getDestination(name ?? '')],
      ['GET', '/api/v2/{org}/alerts', () => this.listAlerts()],
      ['POST', '/api/v2/{org}/alerts', (_, q, body) => this.createAlert(q, body)],
      ['GET', '/api/v2/{org}/alerts/([^/]+)', ([id]) => this.getAlert(id ?? '')],
      ['PUT', '/api/v2/{org}/alerts/([^/]+)', ([id], q, body) => this.updateAlert(id ?? '', q, body)],
      ['GET', '/api/{org}/functions', () => HttpResponse.json({ list: [...this.functions.values()] })],
      ['POST', '/api/{org}/functions', (_, __, body) => this.createFunction(body)],
      ['PUT', '/api/{org}/functions/([^/]+)', ([name], _, body) => this.updateFunction(name ?? '', body)],
      ['GET', '/api/{org}/pipelines', () => HttpResponse.json({ list: [...this.pipelines.values()] })],
      [
        'POST',
        '/api/{org}/pipelines',
        (_, q, body) => this.savePipeline(q.get('overwrite') === 'true', body),
      ],
      ['PUT', '/api/{org}/pipelines', (_, __, body) => this.updatePipeline(body)],
      ['GET', '/api/{org}/streams/([^/]+)/schema', ([name], q) => this.getStream(name ?? '', q)],
      [
        'PUT',
        '/api/{org}/streams/([^/]+)/settings',
        ([name], _, body) => this.updateSettings(name ?? '', body),
      ],
      ['POST', '/api/{org}/streams/([^/]+)', ([name], _, body) => this.postStream(name ?? '', body)],
    ];
  }

  private findFolder(type: string | undefined, name: string | undefined): Response {
    const folder = this.folders.get(type ?? '')?.find((f) => f.name === name);
    return folder === undefined ? notFound('Folder not found') : HttpResponse.json(folder);
  }

  private createFolder(type: string | undefined, body: Json): Response {
    const folder = {
      folderId: this.id('folder'),
      name: String(body['name']),
      description: String(body['description'] ?? ''),
    };
    this.folders.get(type ?? '')?.push(folder);
    return HttpResponse.json(folder);
  }

  private createDashboard(q: URLSearchParams, body: Json): Response {
    const folderId = q.get('folder') ?? 'default';
    if (!this.folders.get('dashboards')?.some((f) => f.folderId === folderId))
      return notFound('Folder not found');
    return HttpResponse.json(this.dashboardResponse(this.seedDashboard(folderId, body)));
  }

  private getDashboard(id: string): Response {
    if (!this.dashboards.has(id)) return notFound('Dashboard not found');
    const response = this.dashboardResponse(id);
    this.afterDashboardRead?.(id);
    return HttpResponse.json(response);
  }

  private getDestination(name: string): Response {
    return this.destinations.has(name)
      ? HttpResponse.json({ name, type: 'http', url: 'https://hooks.example.test', template: 'default' })
      : notFound('Destination not found');
  }

  private listAlerts(): Response {
    return HttpResponse.json({
      list: [...this.alerts.entries()].map(([id, alert]) => ({ ...alert, alert_id: id })),
    });
  }

  private getAlert(id: string): Response {
    const stored = this.alerts.get(id);
    return stored === undefined ? notFound('Alert not found') : HttpResponse.json(stored);
  }

  private updateAlert(id: string, q: URLSearchParams, body: Json): Response {
    const stored = this.alerts.get(id);
    if (stored === undefined) return notFound('Alert not found');
    // With RBAC the folder named must be the alert's own.
    const folder = q.get('folder');
    if (folder !== null && folder !== stored.folder_id) return notFound('Alert not found in this folder');
    const problem = this.alertProblem(body);
    if (problem !== undefined) return problem;
    this.alerts.set(id, { ...body, id, folder_id: stored.folder_id });
    return HttpResponse.json({ code: 200, message: 'Alert Updated' });
  }

  private createFunction(body: Json): Response {
    const name = String(body['name'] ?? '');
    if (this.functions.has(name)) return badRequest('Function already exist');
    this.functions.set(name, storedFunction(body));
    return HttpResponse.json({ code: 200, message: 'Function saved successfully' });
  }

  private updateFunction(name: string, body: Json): Response {
    if (!this.functions.has(name)) return notFound('Function not found');
    this.functions.set(name, storedFunction(body));
    return HttpResponse.json({ code: 200, message: 'Function updated' });
  }

  private getStream(name: string, q: URLSearchParams): Response {
    const stream = this.streams.get(name);
    return stream === undefined
      ? notFound('stream not found')
      : HttpResponse.json({ name, stream_type: q.get('type') ?? 'logs', ...stream });
  }

  private updateSettings(name: string, body: Json): Response {
    const stream = this.streams.get(name);
    if (stream === undefined) return notFound('stream not found');
    applySettings(stream, body);
    return HttpResponse.json({ code: 200, message: 'Stream settings updated' });
  }

  private postStream(name: string, body: Json): Response {
    if (this.streams.has(name)) return badRequest('stream already exists');
    this.createStream(name, (body['fields'] as StreamState['schema'] | undefined) ?? []);
    return HttpResponse.json({ code: 200, message: 'Stream created' });
  }

  createStream(name: string, schema: StreamState['schema']): void {
    this.streams.set(name, {
      schema: [{ name: '_timestamp', type: 'Int64' }, ...schema],
      settings: { index_fields: [], bloom_filter_fields: [], full_text_search_keys: [], data_retention: 0 },
    });
  }

  private listDashboards(q: URLSearchParams): Response {
    const folder = q.get('folder');
    const title = q.get('title')?.toLowerCase();
    const list = [...this.dashboards.entries()]
      .filter(([, d]) =>
        folder === null ? title !== undefined || d.folderId === 'default' : d.folderId === folder,
      )
      .filter(([, d]) => title === undefined || String(d.v8['title']).toLowerCase().includes(title))
      .map(([id, d]) => ({
        dashboard_id: id,
        folder_id: d.folderId,
        title: d.v8['title'],
        description: d.v8['description'] ?? '',
        version: 8,
        hash: d.hash,
      }));
    return HttpResponse.json({ dashboards: list });
  }

  private dashboardResponse(id: string): Json {
    const stored = this.dashboards.get(id);
    return { v1: null, v8: stored?.v8, version: 8, hash: stored?.hash, updatedAt: Date.now() * 1000 };
  }

  private updateDashboard(id: string, q: URLSearchParams, body: Json): Response {
    const stored = this.dashboards.get(id);
    if (stored === undefined || stored.folderId !== q.get('folder')) return notFound('Dashboard not found');
    const hash = q.get('hash');
    if (hash === null || !/^\d+$/.test(hash)) {
      return HttpResponse.json(
        {
          code: 500,
          message: 'Request to update existing dashboard with missing or invalid hash value. BUG',
        },
        { status: 500 },
      );
    }
    if (hash !== stored.hash) return HttpResponse.json({ code: 409, message: 'Conflict' }, { status: 409 });
    stored.v8 = { ...body, dashboardId: id, version: 8 };
    stored.hash = contentHash(stored.v8);
    return HttpResponse.json(this.dashboardResponse(id));
  }

  private alertProblem(body: Json): Response | undefined {
    const destinations = body['destinations'];
    if (!Array.isArray(destinations) || destinations.length === 0)
      return badRequest('Alert destinations required');
    const unknown = destinations.find((d) => !this.destinations.has(String(d)));
    if (unknown !== undefined) return badRequest(`Alert destination ${unknown} not found`);
    if (!this.streams.has(String(body['stream_name']))) return notFound('StreamNotFound');
    return undefined;
  }

  private createAlert(q: URLSearchParams, body: Json): Response {
    const folderId = q.get('folder') ?? 'default';
    if (!this.folders.get('alerts')?.some((f) => f.folderId === folderId))
      return notFound('Folder not found');
    const problem = this.alertProblem(body);
    if (problem !== undefined) return problem;
    const given = typeof body['id'] === 'string' ? body['id'] : undefined;
    const id = q.get('overwrite') === 'true' && given !== undefined ? given : this.id('alert');
    if (this.alerts.has(id)) {
      return HttpResponse.json(
        { code: 500, message: 'duplicate key value violates unique constraint' },
        { status: 500 },
      );
    }
    this.alerts.set(id, { ...body, id, folder_id: folderId });
    return HttpResponse.json({ code: 200, message: 'Alert saved', id, name: body['name'] });
  }

  private savePipeline(overwrite: boolean, body: Json): Response {
    const source = body['source'] as Json | undefined;
    const clash = [...this.pipelines.values()].find(
      (p) =>
        (p['source'] as Json)['source_type'] === 'realtime' &&
        source?.['source_type'] === 'realtime' &&
        (p['source'] as Json)['stream_name'] === source['stream_name'] &&
        p['pipeline_id'] !== body['pipeline_id'],
    );
    if (clash !== undefined) return badRequest('StreamInUse: the stream already has a realtime pipeline');
    const id = overwrite && typeof body['pipeline_id'] === 'string' ? body['pipeline_id'] : this.id('pipe');
    this.pipelines.set(id, {
      ...body,
      pipeline_id: id,
      name: String(body['name']).toLowerCase(),
      version: 0,
    });
    return HttpResponse.json({ code: 200, message: 'Pipeline created', id, name: body['name'] });
  }

  private updatePipeline(body: Json): Response {
    const id = String(body['pipeline_id']);
    const stored = this.pipelines.get(id);
    if (stored === undefined) return notFound('Pipeline not found');
    if (body['version'] !== stored.version) return badRequest('Pipeline was modified; reload it');
    this.pipelines.set(id, {
      ...body,
      pipeline_id: id,
      name: String(body['name']).toLowerCase(),
      version: stored.version + 1,
    });
    return HttpResponse.json({ code: 200, message: 'Pipeline updated' });
  }
}

function storedFunction(body: Json): Json {
  const source = String(body['function'] ?? '');
  return {
    name: body['name'],
    function: source.endsWith('.') ? source : `${source} \n .`,
    params: body['params'] ?? '',
    transType: body['transType'] ?? 0,
    numArgs: 1,
  };
}

function applySettings(stream: StreamState, body: Json): void {
  const fields = body['fields'] as { add?: StreamState['schema'] } | undefined;
  for (const field of fields?.add ?? []) {
    if (!stream.schema.some((known) => known.name === field.name)) stream.schema.push(field);
  }
  for (const key of ['index_fields', 'bloom_filter_fields', 'full_text_search_keys'] as const) {
    const diff = body[key] as { add?: string[]; remove?: string[] } | undefined;
    if (diff === undefined) continue;
    const kept = stream.settings[key].filter((field) => !(diff.remove ?? []).includes(field));
    stream.settings[key] = [...new Set([...kept, ...(diff.add ?? [])])];
  }
  if (typeof body['data_retention'] === 'number') stream.settings.data_retention = body['data_retention'];
}

/** A u64 as decimal text, from the content, as the server computes it. */
function contentHash(v8: Json): string {
  return BigInt(`0x${createHash('sha256').update(JSON.stringify(v8)).digest('hex').slice(0, 15)}`).toString();
}

function notFound(message: string): Response {
  return HttpResponse.json({ code: 404, message }, { status: 404 });
}

function badRequest(message: string): Response {
  return HttpResponse.json({ code: 400, message }, { status: 400 });
}
