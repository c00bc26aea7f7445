import { describe, expect, it } from 'vitest';
import {
  deterministicKsuid,
  fingerprint,
  isManaged,
  markedDescription,
  markedVrl,
  writtenFingerprint,
} from '../../../functions/openobserve/ownership.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function decodeBase62(text: string): bigint {
  let value = 0n;
  for (const char of text) value = value * 62n + BigInt(BASE62.indexOf(char));
  return value;
}

describe('deterministicKsuid', () => {
  it('is a 27-character base62 KSUID whose time is after the KSUID epoch, the same on every call', () => {
    const id = deterministicKsuid('alert', 'bedrock_error_rate');

    expect(id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(deterministicKsuid('alert', 'bedrock_error_rate')).toBe(id);
    const value = decodeBase62(id);
    expect(value < 1n << 160n).toBe(true);
    const seconds = Number(value >> 128n) + 1_400_000_000;
    expect(new Date(seconds * 1000).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('differs by name and by kind', () => {
    const ids = new Set([
      deterministicKsuid('alert', 'a'),
      deterministicKsuid('alert', 'b'),
      deterministicKsuid('pipeline', 'a'),
    ]);
    expect(ids.size).toBe(3);
  });
});

describe('marks', () => {
  it('replaces an earlier mark line instead of stacking them', () => {
    const first = markedDescription('Cost by model', 'aaaaaaaaaaaa');
    const second = markedDescription(first, 'bbbbbbbbbbbb');

    expect(second).toBe('Cost by model\nmanaged by bedrock-o2 · fingerprint bbbbbbbbbbbb');
    expect(writtenFingerprint(second)).toBe('bbbbbbbbbbbb');
    expect(isManaged(second)).toBe(true);
    expect(isManaged('Cost by model')).toBe(false);
  });

  it('ends VRL with "\\n." so the server does not append its own', () => {
    expect(markedVrl('# a\n# b\n.x = 1\n', 'f00000000000')).toBe(
      '# managed by bedrock-o2 · fingerprint f00000000000\n# a\n# b\n.x = 1\n.',
    );
    expect(markedVrl('.x = 1\n.\n\n', 'f00000000000')).toBe(
      '# managed by bedrock-o2 · fingerprint f00000000000\n.x = 1\n.',
    );
  });

  it('fingerprints content regardless of key order', () => {
    expect(fingerprint({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      fingerprint({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});
