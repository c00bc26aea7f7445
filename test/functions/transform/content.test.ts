import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  boundedJson,
  contentFields,
  contentPolicy,
  cutUtf8,
  previewOf,
} from '../../../functions/transform/row/content.ts';
import type { Message } from '../../../functions/transform/row/messages.ts';

const input: Message[] = [
  { role: 'user', parts: [{ type: 'text', content: 'My email is jane@example.com, call 555-1234.' }] },
  { role: 'assistant', parts: [{ type: 'text', content: 'Noted.' }] },
  { role: 'user', parts: [{ type: 'text', content: 'What did I say?' }] },
];
const output: Message[] = [
  { role: 'assistant', parts: [{ type: 'text', content: 'You gave jane@example.com.' }] },
];
const system = [{ type: 'text' as const, content: 'Be brief.' }];
const policy = (
  contentMode: 'full' | 'preview' | 'hash' | 'none',
  redact: string[] = [],
  maxContentBytes = 32 * 1024,
) => contentPolicy({ contentMode, redact, maxContentBytes });

describe('contentFields by mode (record-schema §4.11)', () => {
  it('full: messages, system and previews, no hashes', () => {
    const fields = contentFields({ system, input, output }, policy('full'));
    expect(fields).toEqual({
      systemInstructions: JSON.stringify(system),
      inputMessages: JSON.stringify(input),
      outputMessages: JSON.stringify(output),
      inputPreview: 'What did I say?',
      outputPreview: 'You gave jane@example.com.',
      truncated: false,
    });
  });

  it('preview: previews only', () => {
    expect(contentFields({ system, input, output }, policy('preview'))).toEqual({
      inputPreview: 'What did I say?',
      outputPreview: 'You gave jane@example.com.',
      truncated: false,
    });
  });

  it('hash: sha256 of the JSON text of the full messages only', () => {
    const sha = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
    expect(contentFields({ system, input, output }, policy('hash'))).toEqual({
      inputSha256: sha(input),
      outputSha256: sha(output),
      truncated: false,
    });
  });

  it('none: nothing', () => {
    expect(contentFields({ system, input, output }, policy('none'))).toEqual({ truncated: false });
  });

  it('redacts text parts before hashing and previews', () => {
    const redacted = contentFields(
      { system, input, output },
      policy('full', ['[\\w.]+@[\\w.]+', '\\d{3}-\\d{4}']),
    );
    expect(redacted.inputMessages).toContain('My email is [REDACTED], call [REDACTED].');
    expect(redacted.outputPreview).toBe('You gave [REDACTED]');
    const hashed = contentFields({ system, input, output }, policy('hash', ['[\\w.]+@[\\w.]+']));
    expect(hashed.inputSha256).not.toBe(contentFields({ system, input, output }, policy('hash')).inputSha256);
  });
});

describe('previews', () => {
  it('cut at 256 code points, no marker, surrogate pairs kept whole', () => {
    const emoji = '😀'.repeat(300);
    const preview = previewOf(emoji);
    expect([...preview]).toHaveLength(256);
    expect(preview).toBe('😀'.repeat(256));
    expect(previewOf('short')).toBe('short');
    expect(previewOf('a'.repeat(300))).toBe('a'.repeat(256));
    // A pair that straddles the 256th code unit is kept whole: 255 letters and the emoji are 256 code points.
    expect(previewOf(`${'a'.repeat(255)}😀${'b'.repeat(10)}`)).toBe(`${'a'.repeat(255)}😀`);
  });
});

describe('truncation keeps valid JSON within budget', () => {
  it('cuts the longest text parts first and marks the cut', () => {
    const messages: Message[] = [
      { role: 'user', parts: [{ type: 'text', content: 'a'.repeat(50_000) }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'short answer' }] },
    ];
    const { json, truncated } = boundedJson(messages, 8192);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(8192);
    const parsed = JSON.parse(json) as Message[];
    expect(parsed[1]).toEqual(messages[1]);
    expect(parsed[0]?.parts[0]).toMatchObject({ type: 'text' });
    expect((parsed[0]?.parts[0] as { content: string } | undefined)?.content).toMatch(
      /^a+…\[truncated \d+ bytes\]$/,
    );
  });

  it('turns huge tool arguments into cut JSON text', () => {
    const messages: Message[] = [
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 't', name: 'f', arguments: { blob: 'z'.repeat(40_000) } }],
      },
    ];
    const { json } = boundedJson(messages, 4096);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(4096);
    const [message] = JSON.parse(json) as Message[];
    const part = message?.parts[0] as { arguments: unknown; name: string };
    expect(part.name).toBe('f');
    expect(typeof part.arguments).toBe('string');
  });

  it('never splits a multi-byte character', () => {
    const cut = cutUtf8('é'.repeat(100), 51);
    expect(cut.startsWith('é'.repeat(25))).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(cut).toMatch(/…\[truncated 150 bytes\]$/);
  });

  it('falls back to one cut message when thousands of tiny parts cannot fit', () => {
    const messages: Message[] = Array.from({ length: 5000 }, () => ({
      role: 'user',
      parts: [{ type: 'text', content: 'x' }],
    }));
    const { json, truncated } = boundedJson(messages, 2048);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(2048);
    expect(Array.isArray(JSON.parse(json))).toBe(true);
  });

  it('leaves content under budget alone', () => {
    expect(boundedJson(input, 32 * 1024)).toEqual({ json: JSON.stringify(input), truncated: false });
  });
});
