import { describe, expect, it } from 'vitest';
import { metadataFields } from '../../../functions/transform/row/request-metadata.ts';

const defaults = {
  conversationKeys: ['conversationId', 'conversation_id', 'sessionId', 'session_id', 'threadId'],
  promoteMetadataKeys: '*' as const,
};

describe('metadataFields (record-schema §4.5)', () => {
  it('keeps the whole object as JSON text and promotes sanitised keys', () => {
    const fields = metadataFields({ Team: 'platform', 'cost-center': 42, conversationId: 'c-1' }, defaults);
    expect(fields.json).toBe('{"Team":"platform","cost-center":42,"conversationId":"c-1"}');
    expect(fields.promoted).toEqual([
      ['aws_bedrock_request_metadata_team', 'platform'],
      ['aws_bedrock_request_metadata_conversationid', 'c-1'],
      ['aws_bedrock_request_metadata_cost_center', '42'],
    ]);
    expect(fields.conversationId).toBe('c-1');
  });

  it('promotes the first 20 keys in sorted order; on a collision the first wins', () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, String(i)]),
    );
    const fields = metadataFields({ ...metadata, 'A-B': 'first', a_b: 'second' }, defaults);
    expect(fields.promoted).toHaveLength(20);
    expect(fields.promoted[0]).toEqual(['aws_bedrock_request_metadata_a_b', 'first']);
    expect(fields.promoted.filter(([column]) => column === 'aws_bedrock_request_metadata_a_b')).toHaveLength(
      1,
    );
  });

  it('promotes only listed keys when configured', () => {
    const fields = metadataFields(
      { team: 'a', env: 'b', secret: 'c' },
      { ...defaults, promoteMetadataKeys: ['team', 'env'] },
    );
    expect(fields.promoted.map(([column]) => column)).toEqual([
      'aws_bedrock_request_metadata_env',
      'aws_bedrock_request_metadata_team',
    ]);
  });

  it('finds the conversation id case-sensitively, first hit in list order', () => {
    expect(
      metadataFields({ ConversationId: 'x', session_id: 's', threadId: 't' }, defaults).conversationId,
    ).toBe('s');
    expect(metadataFields({ ConversationId: 'x' }, defaults).conversationId).toBeUndefined();
  });

  it('gives nothing for absent, empty or non-object metadata', () => {
    for (const value of [undefined, null, {}, 'x', [1]]) {
      expect(metadataFields(value, defaults)).toEqual({
        json: undefined,
        promoted: [],
        conversationId: undefined,
      });
    }
  });
});
