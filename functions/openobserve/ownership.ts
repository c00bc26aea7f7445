import { createHash } from 'node:crypto';

/**
 * How provision recognises what it owns: the `Bedrock` folders, a "managed by bedrock-o2" line in
 * descriptions (and a comment line in VRL sources) that also carries a fingerprint of the content it wrote,
 * and ids derived from names. Anything without the mark is the user's and is never changed.
 */

export const BEDROCK_FOLDER = 'Bedrock';
export const FOLDER_DESCRIPTION = 'Amazon Bedrock usage (managed by bedrock-o2)';
export const MANAGED_MARK = 'managed by bedrock-o2';

const FINGERPRINT = /managed by bedrock-o2 · fingerprint ([0-9a-f]{12})/;

export function isManaged(text: string | undefined): boolean {
  return text?.includes(MANAGED_MARK) === true;
}

/** The fingerprint provision wrote into a description or source, if any. */
export function writtenFingerprint(text: string | undefined): string | undefined {
  return text === undefined ? undefined : FINGERPRINT.exec(text)?.[1];
}

/**
 * A short stable hash of what provision writes (keys sorted, so key order in the asset file does not matter).
 * Comparing it, rather than the server's copy field by field, keeps a second run a no-op even where the
 * server stores a body in its own normal form.
 */
export function fingerprint(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The asset's description with the mark line (description first, so the UI shows it). */
export function markedDescription(description: string, contentFingerprint: string): string {
  const own = description
    .split('\n')
    .filter((line) => !line.includes(MANAGED_MARK))
    .join('\n')
    .trim();
  const mark = `${MANAGED_MARK} · fingerprint ${contentFingerprint}`;
  return own === '' ? mark : `${own}\n${mark}`;
}

/** A VRL source with the mark as its first line and ending in `\n.`, which the server would otherwise append. */
export function markedVrl(source: string, contentFingerprint: string): string {
  const body = source.replace(/\s+$/, '');
  const ended = /(^|\n)\.$/.test(body) ? body : `${body}\n.`;
  return `# ${MANAGED_MARK} · fingerprint ${contentFingerprint}\n${ended}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KSUID_EPOCH_S = 1_400_000_000;
/** Fixed so the id depends on the name only: 2026-01-01T00:00:00Z. */
const KSUID_TIME_S = 1_767_225_600;

/**
 * A valid KSUID (4-byte time + 16-byte payload, base62, 27 characters) derived from `kind` and `name`, so the
 * same alert or pipeline gets the same id on every run and every machine.
 */
export function deterministicKsuid(kind: string, name: string): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(KSUID_TIME_S - KSUID_EPOCH_S, 0);
  createHash('sha256').update(`bedrock-o2:${kind}:${name}`).digest().copy(bytes, 4, 0, 16);
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let text = '';
  while (value > 0n) {
    text = (BASE62[Number(value % 62n)] ?? '0') + text;
    value /= 62n;
  }
  return text.padStart(27, '0');
}
