import { gzipSync } from 'node:zlib';
import { UsageError } from '../cli/io.ts';
import { causeCode, networkReason, type OpenObserveSettings } from '../cli/openobserve.ts';
import { DestinationUnavailable } from './destination-unavailable.ts';

/**
 * OpenObserve's `_bulk` ingestion and `_search` (openobserve-contract.md §5, §10) for replay, backfill and
 * conversation: requests retried on 429, 5xx and network errors with exponential backoff and jitter
 * (Retry-After honoured); a refused credential is a configuration error (exit 2); a 413 is handed back so the
 * caller can split the batch.
 */

export interface ApiOptions {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Attempts per request, the first included. Default 6. */
  readonly maxAttempts?: number;
  /** Per attempt. Default 120 s. */
  readonly timeoutMs?: number;
  /** First backoff, doubled per attempt, ±20 % jitter. Default 1000 ms. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Told before each wait for another attempt: what went wrong, the attempt that comes next, and the wait. */
  readonly onRetry?: (problem: string, nextAttempt: number, maxAttempts: number, waitMs: number) => void;
}

/** The server stayed unavailable (or unreachable) through every retry: stop the run, resume later. */
export class OpenObserveUnavailable extends DestinationUnavailable {
  override name = 'OpenObserveUnavailable';
}

export type RowResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * `ambiguous`: a 5xx, a timeout or a connection lost after sending. The server may have stored some rows, so
 * the caller checks what is there before sending again (`_bulk` is not idempotent).
 */
export type BulkOutcome =
  | { readonly kind: 'answered'; readonly results: readonly RowResult[] }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'ambiguous'; readonly reason: string };

export interface SearchPage {
  readonly hits: readonly Record<string, unknown>[];
  readonly total: number | undefined;
  /**
   * Set when the answer says `is_partial: true` (contract §10): the hits are real, but rows may be missing.
   * Its text is the answer's `function_error`, or `is_partial` when there is none.
   */
  readonly partial: string | undefined;
  /**
   * The answer's `function_error` text, partial or not: where a server says it changed the query (a stream's
   * `max_query_range` moves `start_time` forward, contract §10), the hits may not cover the range asked for.
   */
  readonly notice: string | undefined;
}

const RETRYABLE = (status: number) => status === 429 || status === 408 || status >= 500;
// Searching a stream (or column) that does not exist yet is an empty answer, not a failure.
const MISSING_STREAM = /stream not found|"code":\s*20002|no field named/i;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class OpenObserveApi {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly onRetry: ApiOptions['onRetry'];
  /** Requests retried after a 429/5xx/network error, for the summary. */
  retries = 0;

  private readonly settings: OpenObserveSettings;

  constructor(settings: OpenObserveSettings, options: ApiOptions = {}) {
    this.settings = settings;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.onRetry = options.onRetry;
  }

  get attempts(): number {
    return this.maxAttempts;
  }

  get url(): string {
    return this.settings.url;
  }

  get where(): string {
    return `${this.settings.url} org ${this.settings.org}`;
  }

  /** One `_bulk` request: per-row status, positional (OpenObserve answers one item per document). */
  async bulk(stream: string, rowsJson: readonly string[]): Promise<BulkOutcome> {
    const action = `{"index":{"_index":${JSON.stringify(stream)}}}\n`;
    let body = '';
    for (const json of rowsJson) body += `${action}${json}\n`;
    const answer = await this.post(
      '/_bulk',
      gzipSync(Buffer.from(body, 'utf8'), { level: 1 }),
      { 'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip' },
      false,
      'ingest',
    );
    if (answer.ambiguous) return { kind: 'ambiguous', reason: answer.text };
    const { status, text } = answer;
    if (status === 413) return { kind: 'too-large' };
    if (status !== 200) {
      const reason = `http_${status}: ${oneLine(text)}`;
      return { kind: 'answered', results: rowsJson.map(() => ({ ok: false, reason })) };
    }
    return { kind: 'answered', results: bulkResults(text, rowsJson.length) };
  }

  /** One page of `_search` (start/end in µs, both required by the server). */
  async search(sql: string, startUs: number, endUs: number, from: number, size: number): Promise<SearchPage> {
    const body = JSON.stringify({
      query: {
        sql,
        start_time: Math.max(1, Math.floor(startUs)),
        end_time: Math.ceil(endUs),
        from,
        size,
        track_total_hits: false,
        quick_mode: false,
      },
      encoding: '',
      use_cache: false,
    });
    const { status, text } = await this.post(
      '/_search?type=logs',
      body,
      { 'Content-Type': 'application/json' },
      true,
      'search',
    );
    if (status !== 200) {
      if (MISSING_STREAM.test(text)) return { hits: [], total: 0, partial: undefined, notice: undefined };
      throw new OpenObserveUnavailable(`search failed: HTTP ${status}: ${oneLine(text)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new OpenObserveUnavailable('search answered HTTP 200 with a body that is not JSON');
    }
    const answer = parsed as { hits?: unknown; total?: unknown; is_partial?: unknown } | null;
    const hits = answer?.hits;
    const total = answer?.total;
    // An answer without hits is not "no rows": it is not a search answer (a proxy, another server).
    if (!Array.isArray(hits))
      throw new OpenObserveUnavailable(
        `search answered HTTP 200 without a "hits" list: is ${this.settings.url} OpenObserve's API?`,
      );
    return {
      hits: hits as Record<string, unknown>[],
      total: typeof total === 'number' ? total : undefined,
      partial: answer?.is_partial === true ? partialReason(parsed) : undefined,
      notice: functionError(parsed),
    };
  }

  /**
   * POST with retries. A request that was not processed (429, or no connection made) is retried here; for a
   * request that is not idempotent, a 5xx, a timeout or a connection lost mid-way comes back as `ambiguous`.
   */
  private async post(
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
    idempotent: boolean,
    right: 'ingest' | 'search',
  ): Promise<{ status: number; text: string; ambiguous: boolean }> {
    const url = `${this.settings.url}/api/${encodeURIComponent(this.settings.org)}${path}`;
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: 'POST',
          headers: { ...headers, Authorization: `Basic ${this.settings.credentials}` },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        lastProblem = `cannot reach ${this.settings.url}: ${networkReason(error as Error)}`;
        if (!idempotent && !notSent(error as Error)) return { status: 0, text: lastProblem, ambiguous: true };
        await this.backoff(attempt, null, lastProblem);
        continue;
      }
      const text = await response.text();
      if (response.status === 403)
        throw new UsageError(
          `OpenObserve denied ${right} in org ${this.settings.org} (HTTP 403): the user's role lacks the ${right} permission on streams; grant it, or use a user or service account that has it`,
        );
      if (response.status === 401) {
        throw new UsageError(
          `OpenObserve refused the credentials (HTTP ${response.status}) for org ${this.settings.org}: set OPENOBSERVE_USER + OPENOBSERVE_PASSWORD or OPENOBSERVE_TOKEN`,
        );
      }
      if (!RETRYABLE(response.status) || MISSING_STREAM.test(text))
        return { status: response.status, text, ambiguous: false };
      lastProblem = `HTTP ${response.status}: ${oneLine(text)}`;
      if (!idempotent && response.status !== 429)
        return { status: response.status, text: lastProblem, ambiguous: true };
      await this.backoff(attempt, response.headers.get('retry-after'), lastProblem);
    }
    throw new OpenObserveUnavailable(
      `OpenObserve at ${this.settings.url} did not answer after ${this.maxAttempts} attempts (${lastProblem})`,
    );
  }

  /** The wait before attempt `attempt + 1`: Retry-After when given, else exponential with jitter. */
  delayBefore(attempt: number, retryAfter: string | null): number {
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    const exponential = Math.min(this.baseDelayMs * 2 ** (attempt - 1), this.maxDelayMs);
    return Number.isFinite(seconds)
      ? Math.min(seconds * 1000, this.maxDelayMs)
      : exponential * (0.8 + Math.random() * 0.4);
  }

  /** Waits before another attempt and counts the retry. */
  async pause(attempt: number): Promise<void> {
    this.retries++;
    await this.sleep(this.delayBefore(attempt, null));
  }

  private async backoff(attempt: number, retryAfter: string | null, problem: string): Promise<void> {
    if (attempt >= this.maxAttempts) return;
    this.retries++;
    const waitMs = this.delayBefore(attempt, retryAfter);
    this.onRetry?.(problem, attempt + 1, this.maxAttempts, waitMs);
    await this.sleep(waitMs);
  }
}

/** `_bulk`'s answer → one result per sent row; what cannot be matched is not taken as accepted. */
export function bulkResults(text: string, sent: number): RowResult[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return Array.from({ length: sent }, () => ({ ok: false, reason: 'bulk_answer_not_json' }));
  }
  const answer = parsed as { errors?: unknown; items?: unknown };
  const items = Array.isArray(answer.items) ? answer.items : [];
  // With ZO_BULK_RESPONSE_INCLUDE_ERRORS_ONLY a clean batch comes back with no items.
  if (items.length === 0 && answer.errors === false)
    return Array.from({ length: sent }, () => ({ ok: true }));
  if (items.length !== sent) {
    const reason = `bulk_answer_unmatched: ${items.length} items for ${sent} rows`;
    return Array.from({ length: sent }, () => ({ ok: false, reason }));
  }
  return items.map((item: unknown): RowResult => {
    const entry = item !== null && typeof item === 'object' ? Object.values(item)[0] : undefined;
    const status = (entry as { status?: unknown } | undefined)?.status;
    if (status === 200 || status === 201) return { ok: true };
    const error = (entry as { error?: { type?: unknown; reason?: unknown } } | undefined)?.error;
    const type = typeof error?.type === 'string' ? error.type : `status_${String(status)}`;
    const reason = typeof error?.reason === 'string' ? `: ${oneLine(error.reason)}` : '';
    return { ok: false, reason: `${type}${reason}` };
  });
}

/** Failures that happen before a request is sent: safe to send again. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function notSent(error: Error): boolean {
  return NOT_SENT.has(causeCode(error) ?? '');
}

/** `function_error` is a string on older servers and a list of strings on newer ones. */
function functionError(answer: unknown): string | undefined {
  const error = (answer as { function_error?: unknown } | null)?.function_error;
  const text = Array.isArray(error) ? error.filter((part) => typeof part === 'string').join('; ') : error;
  return typeof text === 'string' && text.trim() !== '' ? oneLine(text) : undefined;
}

function partialReason(answer: unknown): string {
  const text = functionError(answer);
  return text === undefined ? 'is_partial' : `is_partial: ${text}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** A SQL string literal: single quotes doubled (values are data, never SQL). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Stream and column names we put in SQL: OpenObserve's own lowercase form only. */
export function isPlainIdentifier(name: string): boolean {
  return /^[a-z0-9_]{1,128}$/.test(name);
}
