import { describe, expect, it } from 'vitest';
import { objectsOf } from '../../../functions/transform/json-access.ts';
import { flatParts, type MessagePart } from '../../../functions/transform/row/messages.ts';

describe('objectsOf', () => {
  it('keeps only the objects of an array, in order (a stream’s "[DONE]", nulls and nested arrays go)', () => {
    const first = { type: 'message_start' };
    const second = { type: 'message_stop' };
    expect(objectsOf([first, '[DONE]', null, [second], 3, second])).toEqual([first, second]);
  });

  it('returns an array of objects itself, without copying it', () => {
    const chunks = [{ a: 1 }, { b: 2 }];
    expect(objectsOf(chunks)).toBe(chunks);
  });

  it('reads anything that is not an array as empty', () => {
    expect(objectsOf({ 0: { a: 1 }, length: 1 })).toEqual([]);
    expect(objectsOf('[{"a":1}]')).toEqual([]);
    expect(objectsOf(undefined)).toEqual([]);
  });
});

describe('flatParts', () => {
  it('concatenates the parts of each item in order, skipping items without parts', () => {
    const text = (content: string): MessagePart => ({ type: 'text', content });
    const parts = flatParts([['a', 'b'], [], ['c']], (item) => item.map(text));
    expect(parts).toEqual([text('a'), text('b'), text('c')]);
  });
});
