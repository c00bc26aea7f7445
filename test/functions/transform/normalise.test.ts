// biome-ignore-all lint/suspicious/noExplicitAny: these tests edit untyped fixture JSON in place
import { describe, expect, it } from 'vitest';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { type TransformConfigInput, TransformConfigSchema } from '../../../schemas/config.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';

const fixture = (path: string) => readJson<Record<string, unknown>>(`${FIXTURES_DIR}/${path}`);
const messagesInvoke = fixture('anthropic_messages/anthropic-messages-invoke.json');
const cacheInvoke = fixture('anthropic_messages/anthropic-messages-invoke-cache.json');
const stream = fixture('anthropic_messages/anthropic-messages-stream.json');
const guardrailStream = fixture('anthropic_messages/anthropic-messages-stream-guardrail.json');
const converseGuardrail = fixture('converse/converse-guardrail-intervened.json');
const errorRecord = fixture('anthropic_messages/error-validation.json');
const offloaded = fixture('titan_image/nova-canvas-image-s3-offload.json');

const NOW = Date.parse('2025-06-01T00:00:00Z');
function rowOf(log: Record<string, unknown>, config: TransformConfigInput = {}, meta = {}) {
  const eventMs = Date.parse(String(log['timestamp']));
  const normaliser = createNormaliser(TransformConfigSchema.parse(config), {
    nowMs: () => (Number.isNaN(eventMs) ? NOW : eventMs),
  });
  return normaliser.invocationRow(structuredClone(log), meta) as Record<string, unknown>;
}
const warningsOf = (row: Record<string, unknown>): string[] =>
  typeof row['normaliser_warnings'] === 'string' ? (JSON.parse(row['normaliser_warnings']) as string[]) : [];
const edit = (log: Record<string, unknown>, change: (copy: Record<string, any>) => void) => {
  const copy = structuredClone(log) as Record<string, any>;
  change(copy);
  return copy;
};

describe('tokens (record-schema §4.8)', () => {
  it('input tokens = envelope input + cache read + cache write', () => {
    const input = cacheInvoke['input'] as Record<string, number>;
    const row = rowOf(cacheInvoke);
    expect(row['gen_ai_usage_input_tokens']).toBe(
      (input['inputTokenCount'] ?? 0) +
        (input['cacheReadInputTokenCount'] ?? 0) +
        (input['cacheWriteInputTokenCount'] ?? 0),
    );
    expect(row['gen_ai_usage_cache_creation_input_tokens']).toBe(input['cacheWriteInputTokenCount']);
    expect(warningsOf(row)).not.toContain('tokens_from_body');
  });

  it('falls back to the body when the envelope cache counts are null, and says so', () => {
    const log = edit(cacheInvoke, (l) => {
      l['input'].cacheReadInputTokenCount = null;
      l['input'].cacheWriteInputTokenCount = null;
    });
    const usage = (cacheInvoke['output'] as any).outputBodyJson.usage;
    const row = rowOf(log);
    expect(row['gen_ai_usage_cache_read_input_tokens']).toBe(usage.cache_read_input_tokens);
    expect(row['gen_ai_usage_cache_creation_input_tokens']).toBe(usage.cache_creation_input_tokens);
    expect(row['gen_ai_usage_input_tokens']).toBe(
      (cacheInvoke['input'] as any).inputTokenCount +
        usage.cache_read_input_tokens +
        usage.cache_creation_input_tokens,
    );
    expect(warningsOf(row)).toContain('tokens_from_body');
  });

  it('uses body usage when the envelope has no counts at all', () => {
    const log = edit(messagesInvoke, (l) => {
      delete l['input'].inputTokenCount;
      delete l['output'].outputTokenCount;
    });
    const usage = (messagesInvoke['output'] as any).outputBodyJson.usage;
    const row = rowOf(log);
    expect(row['gen_ai_usage_input_tokens']).toBe(usage.input_tokens);
    expect(row['gen_ai_usage_output_tokens']).toBe(usage.output_tokens);
    expect(warningsOf(row)).toContain('tokens_from_body');
  });

  it('warns tokens_missing on a success row with no counts anywhere, not on an error row', () => {
    const bare = edit(messagesInvoke, (l) => {
      delete l['input'].inputTokenCount;
      delete l['output'];
    });
    expect(warningsOf(rowOf(bare))).toContain('tokens_missing');
    expect(warningsOf(rowOf(errorRecord))).not.toContain('tokens_missing');
  });

  it('takes stream latency and first-byte latency from amazon-bedrock-invocationMetrics', () => {
    expect(rowOf(stream)).toMatchObject({
      aws_bedrock_latency_ms: 684,
      aws_bedrock_first_byte_latency_ms: 291,
      aws_bedrock_streaming: true,
    });
  });
});

describe('status and guardrails (record-schema §4.2)', () => {
  it('an errorCode makes an error row', () => {
    expect(rowOf(errorRecord)).toMatchObject({
      aws_bedrock_status: 'error',
      error_type: errorRecord['errorCode'],
    });
  });

  it('a stream chunk with amazon-bedrock-guardrailAction INTERVENED makes guardrail_intervened', () => {
    expect(rowOf(guardrailStream)).toMatchObject({
      aws_bedrock_status: 'guardrail_intervened',
      aws_bedrock_guardrail_action: 'INTERVENED',
    });
  });

  it('a Converse guardrail_intervened stop reason makes guardrail_intervened', () => {
    expect(rowOf(converseGuardrail)).toMatchObject({
      aws_bedrock_status: 'guardrail_intervened',
      gen_ai_response_finish_reason: 'guardrail_intervened',
      aws_bedrock_guardrail_action: 'INTERVENED',
    });
  });

  it('no guardrail key, no guardrail field', () => {
    expect(rowOf(messagesInvoke)).not.toHaveProperty('aws_bedrock_guardrail_action', expect.anything());
  });
});

describe('time (record-schema §4.1)', () => {
  it('stamps the invocation time in µs and keeps it verbatim', () => {
    expect(rowOf(stream)).toMatchObject({
      _timestamp: Date.parse('2025-03-27T17:22:48Z') * 1000,
      aws_bedrock_event_time: '2025-03-27T17:22:48Z',
    });
  });

  it('falls back to the log event time when the invocation time is unparsable', () => {
    const row = rowOf(
      edit(stream, (l) => (l['timestamp'] = 'yesterday')),
      {},
      { eventTimestampMs: 1_700_000_000_123 },
    );
    expect(row['_timestamp']).toBe(1_700_000_000_123_000);
    expect(warningsOf(row)).toContain('timestamp_from_log_event');
  });

  it('flags rows outside the ingest window without restamping them', () => {
    const normaliser = createNormaliser(TransformConfigSchema.parse({ ingestWindowHours: 1 }), {
      nowMs: () => Date.parse('2025-03-27T20:00:00Z'),
    });
    const row = normaliser.invocationRow(structuredClone(stream), {}) as Record<string, unknown>;
    expect(warningsOf(row)).toContain('timestamp_outside_ingest_window');
    expect(row['_timestamp']).toBe(Date.parse('2025-03-27T17:22:48Z') * 1000);
  });
});

describe('model, caller, metadata, envelope', () => {
  const APP = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/team-a';

  it('resolves an application profile through config, with its geo and tier', () => {
    const log = edit(messagesInvoke, (l) => (l['modelId'] = APP));
    expect(
      rowOf(log, { applicationProfiles: { [APP]: 'us.anthropic.claude-3-haiku-20240307-v1:0' } }),
    ).toMatchObject({
      gen_ai_request_model: APP,
      gen_ai_response_model: 'anthropic.claude-3-haiku-20240307-v1:0',
      aws_bedrock_inference_profile_type: 'application',
      aws_bedrock_inference_profile_geo: 'us',
      aws_bedrock_price_tier: 'regional',
    });
  });

  it('resolves an unmapped application profile from the Anthropic body model', () => {
    const log = edit(stream, (l) => (l['modelId'] = APP));
    const row = rowOf(log);
    expect(row).toMatchObject({
      gen_ai_response_model: 'anthropic.claude-3-haiku-20240307-v1:0',
      aws_bedrock_model_vendor: 'anthropic',
      normaliser: 'anthropic_messages',
    });
    expect(warningsOf(row)).not.toContain('model_unresolved');
  });

  it('gives the caller and the conversation id', () => {
    expect(rowOf(stream)).toMatchObject({
      aws_bedrock_caller_name: 'support-assistant-prod',
      aws_bedrock_caller_role: 'support-assistant-lambda',
      gen_ai_conversation_id: 'conv-5b1e7d30-slack-C04DEPLOYS',
      aws_bedrock_request_metadata_team: 'platform-devex',
    });
  });

  it('still makes a row, with a warning, when requestId and modelId are missing', () => {
    const row = rowOf(
      edit(messagesInvoke, (l) => {
        delete l['requestId'];
        delete l['modelId'];
      }),
    );
    expect(row['source_type']).toBe('bedrock_invocation_log');
    expect(warningsOf(row)).toEqual(expect.arrayContaining(['envelope_field_missing', 'model_unresolved']));
  });

  it('keeps S3 paths of offloaded bodies and warns body_offloaded', () => {
    const row = rowOf(offloaded);
    expect(row['aws_bedrock_output_s3_path']).toBe((offloaded['output'] as any).outputBodyS3Path);
    expect(warningsOf(row)).toContain('body_offloaded');
  });

  it('an unknown body of a known vendor still becomes a generic row with unknown_body_shape', () => {
    const row = rowOf(
      edit(messagesInvoke, (l) => {
        l['input'].inputBodyJson = { something: 'new' };
        l['output'].outputBodyJson = { brandNew: true };
      }),
    );
    expect(row).toMatchObject({
      normaliser: 'generic',
      aws_bedrock_model_vendor: 'anthropic',
      aws_request_id: messagesInvoke['requestId'],
    });
    expect(warningsOf(row)).toContain('unknown_body_shape');
  });

  it('a model from an unknown vendor gets unknown_provider', () => {
    const row = rowOf(edit(messagesInvoke, (l) => (l['modelId'] = 'newcorp.thinker-v1:0')));
    expect(warningsOf(row)).toContain('unknown_provider');
    expect(row['aws_bedrock_model_vendor']).toBe('newcorp');
  });
});

describe('content settings per log group', () => {
  it('applies the log group’s own mode over the default', () => {
    const config = {
      content: { contentMode: 'full' as const },
      logGroups: { 'secret-team': { contentMode: 'hash' as const } },
    };
    const hashed = rowOf(stream, config, { logGroup: 'secret-team' });
    expect(hashed['aws_bedrock_content_mode']).toBe('hash');
    expect(hashed['gen_ai_input_sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(hashed).not.toHaveProperty('gen_ai_input_messages', expect.anything());
    const full = rowOf(stream, config, { logGroup: 'other' });
    expect(full['gen_ai_input_messages']).toContain('Slack bot');
  });
});
