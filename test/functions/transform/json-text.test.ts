import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeJsonText,
  decodeUtf8,
  hasNonAsciiEscape,
  widenLatin1,
} from '../../../functions/transform/firehose/record-bytes.ts';
import { toEnvelope } from '../../../functions/transform/logs/cloudwatch-envelope.ts';
import { decodeLogsRecord } from '../../../functions/transform/logs/record-shapes.ts';

// Records are decoded as Latin-1 and their strings widened back to UTF-8 one by one (firehose/record-bytes.ts).
// The oracle everywhere here is the plain way: the whole record decoded as UTF-8, then JSON.parse.
const MAX = 32 * 1024 * 1024;
const gz = (text: string) => gzipSync(Buffer.from(text, 'utf8')).toString('base64');

/** The envelope the plain way. */
const plainEnvelope = (text: string) => toEnvelope(JSON.parse(text));

/**
 * JSON text of a value with some characters written as `\uXXXX` escapes (as some JSON writers do for
 * non-ASCII, control characters or `<>&`): every `escapeEvery`-th one; none when it is 0.
 */
function jsonWithEscapes(value: unknown, escapeEvery: number): string {
  if (escapeEvery === 0) return JSON.stringify(value);
  let n = 0;
  return JSON.stringify(value).replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/gu, (char) => {
    if (char.length > 1 || n++ % escapeEvery !== 0) return char; // keep pairs and most chars raw
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || char === '"' || char === '\\' ? char : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

const text = fc.string({ unit: 'binary', maxLength: 40 });
const envelopeArb = fc.record({
  owner: text,
  logGroup: text,
  logStream: text,
  events: fc.array(fc.record({ id: text, message: text, escapeEvery: fc.integer({ min: 0, max: 5 }) }), {
    minLength: 1,
    maxLength: 6,
  }),
  outerEscapeEvery: fc.integer({ min: 0, max: 50 }),
});

describe('decodeJsonText', () => {
  it('reads every envelope exactly as the plain UTF-8 decode does: raw bytes, escapes, both, at both levels', () => {
    fc.assert(
      fc.property(envelopeArb, ({ owner, logGroup, logStream, events, outerEscapeEvery }) => {
        const value = {
          messageType: 'DATA_MESSAGE',
          owner,
          logGroup,
          logStream,
          subscriptionFilters: ['f'],
          logEvents: events.map((e, i) => ({
            id: e.id,
            timestamp: 1_700_000_000_000 + i,
            // The message is itself JSON text with escapes of its own, as a log line would be.
            message: jsonWithEscapes({ text: e.message }, e.escapeEvery),
          })),
        };
        const record = jsonWithEscapes(value, outerEscapeEvery);
        const decoded = decodeLogsRecord(gz(record), MAX);
        expect(decoded).toEqual({ shape: 'cloudwatch', envelope: plainEnvelope(record) });
      }),
      { numRuns: 400 },
    );
  });

  it('takes the Latin-1 path for raw UTF-8 and widens each string back', () => {
    const record = JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: '/aws/bedrock/ログ',
      logStream: 'stream',
      logEvents: [
        { id: '1', timestamp: 1, message: JSON.stringify({ text: 'デプロイが成功しました。 😀 é ° ▁' }) },
        { id: '2', timestamp: 2, message: JSON.stringify({ text: 'plain ascii' }) },
      ],
    });
    const bytes = Buffer.from(record, 'utf8');
    const json = decodeJsonText(bytes);
    expect(json.widen).toBeDefined(); // the fast path: no \u escape in the text
    expect(json.text).toBe(bytes.toString('latin1'));
    expect(decodeLogsRecord(gz(record), MAX)).toEqual({
      shape: 'cloudwatch',
      envelope: plainEnvelope(record),
    });
  });

  it('decodes as UTF-8 when an escape stands for a non-ASCII character (it would be mistaken for raw bytes)', () => {
    // "é" raw and "\u00e9" escaped in one string: Latin-1 decoding could not tell them apart.
    const record = `{"messageType":"DATA_MESSAGE","logGroup":"é\\u00e9","logEvents":[{"id":"1","timestamp":1,"message":"{}"}]}`;
    const json = decodeJsonText(Buffer.from(record, 'utf8'));
    expect(json.widen).toBeUndefined();
    expect(json.text).toBe(record);
    const decoded = decodeLogsRecord(gz(record), MAX);
    expect(decoded.shape === 'cloudwatch' && decoded.envelope.messageType === 'DATA_MESSAGE').toBe(true);
    if (decoded.shape === 'cloudwatch' && decoded.envelope.messageType === 'DATA_MESSAGE')
      expect(decoded.envelope.logGroup).toBe('éé');
  });

  it('a quoted event time is read from its widened text too (non-ASCII whitespace around the digits)', () => {
    // Number() trims Unicode whitespace: read from the Latin-1 text, "\u00a0" would be two other characters.
    for (const pad of ['\u00a0', '\u2028', '\ufeff', '\u3000']) {
      const record = JSON.stringify({
        messageType: 'DATA_MESSAGE',
        logGroup: 'é',
        logEvents: [{ id: '1', timestamp: `${pad}1700000000000${pad}`, message: '{}' }],
      });
      expect(decodeJsonText(Buffer.from(record, 'utf8')).widen).toBeDefined();
      expect(decodeLogsRecord(gz(record), MAX)).toEqual({
        shape: 'cloudwatch',
        envelope: plainEnvelope(record),
      });
    }
  });

  it('an unknown messageType is quoted by characters, not by Latin-1 bytes', () => {
    const messageType = 'ü'.repeat(40);
    const record = JSON.stringify({ messageType, logEvents: [] });
    expect(decodeJsonText(Buffer.from(record, 'utf8')).widen).toBeDefined();
    expect(() => decodeLogsRecord(gz(record), MAX)).toThrow(`messageType "${messageType}"`);
  });

  it('ASCII text is copied as is (escapes of any character are then exact)', () => {
    const record = '{"a":"\\u00e9\\ud83d\\ude00<"}';
    const json = decodeJsonText(Buffer.from(record, 'latin1'));
    expect(json).toEqual({ text: record, widen: undefined });
    expect(JSON.parse(json.text)).toEqual({ a: 'é😀<' });
  });

  it('fails invalid UTF-8 as before, on every path', () => {
    expect(() => decodeJsonText(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
    expect(() => decodeUtf8(Buffer.from([0x7b, 0xc3]))).toThrow(/not valid UTF-8/);
    // Overlong forms (of "/" and NUL), an encoded surrogate and a code point past U+10FFFF, inside a string.
    for (const bad of [
      [0xc0, 0xaf],
      [0xe0, 0x80, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      const record = Buffer.concat([
        Buffer.from('{"messageType":"DATA_MESSAGE","logGroup":"'),
        Buffer.from(bad),
        Buffer.from('"}'),
      ]);
      expect(() => decodeJsonText(record)).toThrow(/not valid UTF-8/);
      expect(() => decodeLogsRecord(gzipSync(record).toString('base64'), MAX)).toThrow(/not valid UTF-8/);
    }
  });

  it('decodeUtf8 gives the UTF-8 text for ASCII and non-ASCII alike', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(decodeUtf8(Buffer.from(s, 'utf8'))).toBe(Buffer.from(s, 'utf8').toString('utf8'));
      }),
    );
  });
});

describe('hasNonAsciiEscape', () => {
  it.each([
    ['no escapes at all', 'abc é', false],
    ['control and HTML escapes only', '\\u0000\\u001f\\u003c\\u007F', false],
    ['a Latin-1 escape', 'x\\u00e9', true],
    ['a surrogate escape', '\\ud83d\\ude00', true],
    ['upper-case hex beyond ASCII', '\\u00FF', true],
    ['an escaped backslash then u (over-approximated)', '\\\\u1234', true],
    ['a truncated escape at the end', 'x\\u00', true],
  ])('%s', (_name, text, expected) => {
    expect(hasNonAsciiEscape(Buffer.from(text, 'utf8'))).toBe(expected);
  });
});

describe('widenLatin1', () => {
  it('is the identity on ASCII and undoes a Latin-1 decode of UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(widenLatin1(Buffer.from(s, 'utf8').toString('latin1'))).toBe(s);
      }),
    );
    const ascii = 'plain';
    expect(widenLatin1(ascii)).toBe(ascii);
  });
});

describe('records that are not envelopes, with text beyond ASCII', () => {
  it('a one-line Bedrock log and NDJSON lines keep their exact text', () => {
    const log = {
      schemaType: 'ModelInvocationLog',
      requestId: 'r-é',
      input: { inputBodyJson: { p: '日本語 😀' } },
    };
    const one = decodeLogsRecord(gz(JSON.stringify(log)), MAX);
    expect(one).toEqual({ shape: 'ndjson', lines: [{ kind: 'invocation', log }] });
    const row = { record_schema_version: '1', note: 'ü' };
    const lines = [JSON.stringify(log), JSON.stringify(row), 'plain line ✓'];
    const many = decodeLogsRecord(gz(lines.join('\n')), MAX);
    expect(many).toEqual({
      shape: 'ndjson',
      lines: [
        { kind: 'invocation', log },
        { kind: 'row', text: lines[1], row },
        { kind: 'other', text: 'plain line ✓' },
      ],
    });
    // CRLF line ends and blank lines read the same, whatever the lines' characters.
    expect(decodeLogsRecord(gz(`${lines.join('\r\n')}\r\n\r\n`), MAX)).toEqual(many);
  });
});

describe('NDJSON records read line by line, exactly as each line decoded as UTF-8', () => {
  const lineArb = fc.oneof(
    fc
      .record({ requestId: text, body: text, escapeEvery: fc.integer({ min: 0, max: 3 }) })
      .map(({ requestId, body, escapeEvery }) =>
        jsonWithEscapes(
          { schemaType: 'ModelInvocationLog', requestId, input: { inputBodyJson: { body } } },
          escapeEvery,
        ),
      ),
    fc.record({ note: text }).map(({ note }) => JSON.stringify({ record_schema_version: '1', note })),
    fc
      .record({ logGroup: text, message: text, escapeEvery: fc.integer({ min: 0, max: 3 }) })
      .map(({ logGroup, message, escapeEvery }) =>
        jsonWithEscapes(
          {
            messageType: 'DATA_MESSAGE',
            logGroup,
            logEvents: [{ id: '1', timestamp: 1_700_000_000_000, message }],
          },
          escapeEvery,
        ),
      ),
    // Lines that are none of these: text with line and paragraph separators, a BOM, a lone CR inside.
    fc
      .array(fc.constantFrom('é', '\u2028', '\u2029', '\ufeff', '\u0085', '\r', ' ', 'x', '{', '😀'), {
        maxLength: 8,
      })
      .map((chars) => chars.join('')),
  );
  const recordArb = fc.record({
    lines: fc.array(lineArb, { minLength: 2, maxLength: 5 }),
    separator: fc.constantFrom('\n', '\r\n', '\n\n', '\r\n \r\n'),
    bom: fc.boolean(),
  });

  it('every line keeps the text and values of its plain UTF-8 decode, whatever it is', () => {
    fc.assert(
      fc.property(recordArb, ({ lines, separator, bom }) => {
        const record = `${bom ? '\ufeff' : ''}${lines.join(separator)}`;
        // The plain way: the whole record as UTF-8, split at \n, a CR before it dropped, blank lines skipped.
        const plain = record
          .split('\n')
          .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
          .filter((line) => line.trim() !== '');
        fc.pre(plain.length >= 2); // one line alone is the whole-record path, tested above
        let decoded: ReturnType<typeof decodeLogsRecord>;
        try {
          decoded = decodeLogsRecord(gz(record), MAX);
        } catch {
          return; // no line of a known shape: the record fails whole, whatever the decoding
        }
        expect(decoded.shape).toBe('ndjson');
        if (decoded.shape !== 'ndjson') return;
        expect(decoded.lines).toHaveLength(plain.length);
        decoded.lines.forEach((line, i) => {
          const source = plain[i] ?? '';
          if (line.kind === 'invocation') expect(line.log).toEqual(JSON.parse(source));
          else if (line.kind === 'row')
            expect(line).toEqual({ kind: 'row', text: source.trim(), row: JSON.parse(source) });
          else if (line.kind === 'envelope') expect(line.envelope).toEqual(plainEnvelope(source));
          else expect(line.text).toBe(source);
        });
      }),
      { numRuns: 300 },
    );
  });
});
