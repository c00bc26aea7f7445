import type { OpenObserveSettings } from '../cli/openobserve.ts';

/**
 * The OpenObserve management API transport: Basic auth, org, a timeout per attempt, bounded retries with
 * backoff for 429/5xx and unreachable servers, and every failure as one line naming the asset and what to do.
 * The credentials only ever go into the Authorization header; no message or error carries them.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, e.g. `/api/default/functions`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** What the request is about, for messages: `dashboard "Overview"`. */
  readonly asset: string;
  /** Statuses the caller handles itself (404 on a lookup, 409 on a stale hash, 400 "already exists"). */
  readonly accept?: readonly number[];
  /**
   * False for a create the server gives a new id each time (a dashboard, a folder): after a 5xx the first
   * attempt may have succeeded, so only 429 (not processed) is retried.
   */
  readonly idempotent?: boolean;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface ManagementClient {
  readonly org: string;
  readonly url: string;
  request(request: ApiRequest): Promise<ApiResponse>;
}

export interface ClientOptions {
  readonly fetch?: typeof fetch;
  /** Attempts per request, the first included. */
  readonly attempts?: number;
  readonly timeoutMs?: number;
  /** First backoff delay; doubled per retry, with jitter, capped at 8 s. */
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A dry run: any request but GET is a programming error and throws before it is sent. */
  readonly readOnly?: boolean;
}

export type ApiErrorKind =
  | 'credentials'
  | 'forbidden'
  | 'old-server'
  | 'conflict'
  | 'refused'
  | 'unavailable'
  | 'unexpected';

/** One line: the asset, what happened, what to do. `kind` lets the caller pick the exit code. */
export class OpenObserveApiError extends Error {
  override name = 'OpenObserveApiError';
  readonly kind: ApiErrorKind;
  readonly status: number;
  constructor(kind: ApiErrorKind, status: number, message: string) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

const MAX_BACKOFF_MS = 8_000;

export function createManagementClient(
  settings: OpenObserveSettings,
  options: ClientOptions = {},
): ManagementClient {
  const fetchImpl = options.fetch ?? fetch;
  const maxAttempts = Math.max(1, options.attempts ?? 4);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const backoffMs = options.backoffMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const authorization = `Basic ${settings.credentials}`;
  const shownUrl = displayUrl(settings.url);

  /** One attempt: the answer, or the error it maps to and whether another attempt may help. */
  async function attempt(
    req: ApiRequest,
    url: URL,
    number: number,
  ): Promise<{ response: ApiResponse } | { error: OpenObserveApiError; retry: boolean }> {
    const retryAll = req.idempotent !== false;
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: req.method,
        headers: {
          Authorization: authorization,
          Accept: 'application/json',
          ...(req.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs / 1000} s`
          : networkReason(error as Error);
      const message = `${req.asset}: cannot reach ${shownUrl} (${reason}) after ${attempts(number)}; check OPENOBSERVE_URL and that the server is up`;
      return { error: new OpenObserveApiError('unavailable', 0, message), retry: retryAll };
    }
    const body = parseBody(await response.text());
    if ((response.status >= 200 && response.status < 300) || req.accept?.includes(response.status)) {
      return { response: { status: response.status, body } };
    }
    const route = `${req.method} ${url.pathname}`;
    return {
      error: describeFailure(req, route, response.status, body, number, retryAfterMs(response)),
      retry: response.status === 429 || (retryAll && response.status >= 500),
    };
  }

  async function request(req: ApiRequest): Promise<ApiResponse> {
    if (options.readOnly === true && req.method !== 'GET') {
      throw new Error(`dry run: refusing ${req.method} ${req.path}`);
    }
    // User info in OPENOBSERVE_URL would end up in fetch's error text; the Authorization header carries auth.
    const url = new URL(`${shownUrl}${req.path}`);
    for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value);
    let last: OpenObserveApiError | undefined;
    for (let number = 1; number <= maxAttempts; number++) {
      if (number > 1) await sleep(backoffDelay(backoffMs, number - 1, last));
      const outcome = await attempt(req, url, number);
      if ('response' in outcome) return outcome.response;
      last = outcome.error;
      if (!outcome.retry) break;
    }
    throw last ?? new Error('unreachable: no attempt made');
  }

  return { org: settings.org, url: shownUrl, request };
}

/** fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a certificate error). */
function networkReason(error: Error): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : cause?.message;
  return typeof detail === 'string' && detail !== '' ? detail : (error.message.split('\n')[0] ?? 'failed');
}

/**
 * The base URL as requests use it and messages show it: without user:password (credentials go in a header),
 * query string or fragment, any of which can carry a secret (`?token=…`) and none of which belongs in a base.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return url.replace(/[?#].*$/s, '').replace(/\/\/[^/@]*@/, '//');
  }
}

function attempts(count: number): string {
  return `${count} attempt${count > 1 ? 's' : ''}`;
}

function backoffDelay(baseMs: number, retry: number, last: OpenObserveApiError | undefined): number {
  const hinted = last instanceof RetryHintedError ? last.retryAfterMs : undefined;
  const exponential = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (retry - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.min(MAX_BACKOFF_MS, Math.max(jittered, hinted ?? 0));
}

/** A 429/503 that named how long to wait. */
class RetryHintedError extends OpenObserveApiError {
  readonly retryAfterMs: number;
  constructor(kind: ApiErrorKind, status: number, message: string, retryAfterMs: number) {
    super(kind, status, message);
    this.retryAfterMs = retryAfterMs;
  }
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The server's own explanation, one line, short: `message` of its JSON error body, else the text. */
function serverMessage(body: unknown): string {
  let message = '';
  if (typeof body === 'string') message = body;
  else if (typeof body === 'object' && body !== null) {
    const value = (body as Record<string, unknown>)['message'] ?? (body as Record<string, unknown>)['error'];
    message = typeof value === 'string' ? value : JSON.stringify(body);
  }
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function describeFailure(
  req: ApiRequest,
  route: string,
  status: number,
  body: unknown,
  attempt: number,
  retryAfter: number | undefined,
): OpenObserveApiError {
  const said = serverMessage(body);
  const detail = said === '' ? `${status}` : `${status}: ${said}`;
  switch (status) {
    case 401:
      return new OpenObserveApiError(
        'credentials',
        status,
        `${req.asset}: OpenObserve rejected the credentials (401); check OPENOBSERVE_USER and OPENOBSERVE_PASSWORD, or OPENOBSERVE_TOKEN, and OPENOBSERVE_ORG`,
      );
    case 403:
      return new OpenObserveApiError(
        'forbidden',
        status,
        `${req.asset}: the user's role may not ${route} (403); provision with a user or service account allowed to manage dashboards, folders, alerts, functions, pipelines and streams`,
      );
    case 404:
      // The server's own "not found" (a stream, a folder) names the thing; an unknown route has no message.
      if (said !== '' && typeof body === 'object') break;
      return new OpenObserveApiError(
        'old-server',
        status,
        `${req.asset}: ${route} is not found (404); this OpenObserve predates the API bedrock-o2 uses (v2 alerts and folders, pipelines, dashboards v8): upgrade the server`,
      );
    case 409:
      return new OpenObserveApiError('conflict', status, `${req.asset}: ${route} conflicts (${detail})`);
    default:
      break;
  }
  if (status === 429 || status >= 500) {
    const message = `${req.asset}: OpenObserve answered ${route} with ${detail} after ${attempts(attempt)}; check the server's health and re-run (provision is idempotent)`;
    return retryAfter === undefined
      ? new OpenObserveApiError('unavailable', status, message)
      : new RetryHintedError('unavailable', status, message, retryAfter);
  }
  return new OpenObserveApiError('refused', status, `${req.asset}: OpenObserve refused ${route} (${detail})`);
}
