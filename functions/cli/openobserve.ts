import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { FirehoseHttpResponseSchema } from '../../schemas/firehose.ts';
import { displayUrl } from '../openobserve/client.ts';
import { UsageError } from './io.ts';

/**
 * OpenObserve connection settings (env, overridden by flags) and delivery with the Firehose HTTP endpoint
 * protocol, exactly what the deployed stream sends: POST {url}/aws/{org}/{stream}/_kinesis_firehose.
 */

export interface OpenObserveSettings {
  readonly url: string;
  readonly org: string;
  /** base64 of `email:password-or-token`: Basic auth for /api, X-Amz-Firehose-Access-Key for Firehose. */
  readonly credentials: string;
}

export interface OpenObserveFlags {
  readonly url?: string | undefined;
  readonly org?: string | undefined;
}

/**
 * OPENOBSERVE_URL, OPENOBSERVE_ORG (default `default`), OPENOBSERVE_USER + OPENOBSERVE_PASSWORD or
 * OPENOBSERVE_TOKEN (the base64 `email:token` value OpenObserve shows as "Basic …", or `email:token` itself). Undefined when no URL
 * is set; a URL without credentials is a configuration error.
 */
export function openObserveSettings(
  env: Readonly<Record<string, string | undefined>>,
  flags: OpenObserveFlags = {},
): OpenObserveSettings | undefined {
  const url = flags.url ?? env['OPENOBSERVE_URL'];
  if (url === undefined || url === '') return undefined;
  // Name what the user actually set, so the message points at the flag or the variable to fix.
  const urlSource = flags.url === undefined ? 'OPENOBSERVE_URL' : '--url';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${urlSource} "${displayUrl(url)}" is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`${urlSource} must be http(s), not ${parsed.protocol}`);
  }
  // Empty is unset, as for the URL: `--org ""` would otherwise address `/aws//…`.
  const org = nonEmpty(flags.org) ?? nonEmpty(env['OPENOBSERVE_ORG']) ?? 'default';
  const user = env['OPENOBSERVE_USER'];
  const password = env['OPENOBSERVE_PASSWORD'];
  const token = env['OPENOBSERVE_TOKEN'];
  let credentials: string;
  if (user !== undefined && password !== undefined) {
    credentials = Buffer.from(`${user}:${password}`).toString('base64');
  } else if (token !== undefined && token !== '') {
    credentials = tokenCredentials(token);
  } else if (user !== undefined || password !== undefined) {
    throw new UsageError(
      user === undefined
        ? 'OPENOBSERVE_PASSWORD is set without OPENOBSERVE_USER (the email it belongs to)'
        : 'OPENOBSERVE_USER is set without OPENOBSERVE_PASSWORD',
    );
  } else {
    throw new UsageError(
      `${urlSource} is set but neither OPENOBSERVE_USER + OPENOBSERVE_PASSWORD nor OPENOBSERVE_TOKEN is`,
    );
  }
  // A query string or fragment has no place in a base URL (paths are appended) and may carry a secret.
  parsed.search = '';
  parsed.hash = '';
  return { url: parsed.toString().replace(/\/+$/, ''), org, credentials };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * OPENOBSERVE_TOKEN is the base64 of `email:token` ("Basic …" as OpenObserve shows it, prefix optional). A
 * pasted `email:token` is unambiguous (base64 has no `:`), so it is encoded here rather than rejected.
 */
export function tokenCredentials(token: string): string {
  const value = token.trim().replace(/^Basic\s+/i, '');
  if (value.includes(':')) return Buffer.from(value).toString('base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    throw new UsageError(
      'OPENOBSERVE_TOKEN must be the base64 of email:token (as OpenObserve shows it after "Basic"), or email:token itself',
    );
  }
  return value;
}

export function firehoseEndpoint(settings: OpenObserveSettings, stream: string): string {
  return `${displayUrl(settings.url)}/aws/${encodeURIComponent(settings.org)}/${encodeURIComponent(stream)}/_kinesis_firehose`;
}

export interface DeliveryResult {
  readonly ok: boolean;
  readonly status: number;
  readonly message: string;
}

/** How long a delivery waits for OpenObserve's answer before it counts as failed (Firehose itself waits 3 min). */
export const DELIVERY_TIMEOUT_MS = 60_000;

/** One Firehose-protocol request with the given record datas (base64), given up after `timeoutMs`. */
export async function deliverFirehose(
  settings: OpenObserveSettings,
  stream: string,
  recordDatas: readonly string[],
  fetchImpl: typeof fetch = fetch,
  timeoutMs: number = DELIVERY_TIMEOUT_MS,
): Promise<DeliveryResult> {
  const requestId = randomUUID();
  const body = JSON.stringify({
    requestId,
    timestamp: Date.now(),
    records: recordDatas.map((data) => ({ data })),
  });
  let response: Response;
  try {
    response = await fetchImpl(firehoseEndpoint(settings, stream), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'X-Amz-Firehose-Protocol-Version': '1.0',
        'X-Amz-Firehose-Request-Id': requestId,
        'X-Amz-Firehose-Access-Key': settings.credentials,
      },
      body: gzipSync(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') {
      return {
        ok: false,
        status: 0,
        message: `no answer from ${displayUrl(settings.url)} within ${timeoutMs / 1000} s; gave up`,
      };
    }
    return {
      ok: false,
      status: 0,
      message: `cannot reach ${displayUrl(settings.url)}: ${networkReason(error as Error)}`,
    };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no complete answer within ${timeoutMs / 1000} s`
        : 'the answer broke off';
    return { ok: false, status: response.status, message: `${displayUrl(settings.url)}: ${why}` };
  }
  if (response.status !== 200) {
    return { ok: false, status: response.status, message: `HTTP ${response.status}: ${text.slice(0, 300)}` };
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { ok: false, status: 200, message: 'HTTP 200 but the body is not the Firehose response JSON' };
  }
  const parsed = FirehoseHttpResponseSchema.safeParse(answer);
  if (!parsed.success || parsed.data.requestId !== requestId) {
    return { ok: false, status: 200, message: 'HTTP 200 but the response does not echo the requestId' };
  }
  return { ok: true, status: 200, message: 'delivered' };
}

/** The code of a fetch error's cause (ECONNREFUSED, ENOTFOUND, a certificate error), if it has one. */
export function causeCode(error: Error): string | undefined {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a timeout, a certificate error). */
export function networkReason(error: Error): string {
  if (error.name === 'TimeoutError') return 'no answer in time';
  return causeCode(error) ?? error.message.split('\n')[0] ?? 'failed';
}
