import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { dataMessage, firehoseEvent, recordData } from '../../../functions/cli/firehose-event.ts';
import { processLogsEvent } from '../../../functions/transform/logs/process-logs.ts';
import { contentFields, contentPolicy } from '../../../functions/transform/row/content.ts';
import type { Message, MessagePart } from '../../../functions/transform/row/messages.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { metadataFields } from '../../../functions/transform/row/request-metadata.ts';
import { silentTelemetry } from '../../../functions/transform/telemetry/summary.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';
import { rowsOfResponse } from '../../helpers/rows.ts';

/** A card number, the kind of value people configure redaction for. */
const CARD = '4111-1111-1111-1111';
const CARD_PATTERN = '\\d{4}-\\d{4}-\\d{4}-\\d{4}';
const R = '[REDACTED]';
const modes = ['full', 'preview', 'hash'] as const;
const policy = (contentMode: 'full' | 'preview' | 'hash' | 'none', redact = [CARD_PATTERN]) =>
  contentPolicy({ contentMode, redact, maxContentBytes: 32 * 1024 });

// Content in every kind of part, each holding the card number.
const system: MessagePart[] = [{ type: 'text', content: `Customer card ${CARD}.` }];
const input: Message[] = [
  { role: 'user', parts: [{ type: 'text', content: `Charge ${CARD} please` }] },
  {
    role: 'assistant',
    parts: [
      { type: 'reasoning', content: `The card is ${CARD}.` },
      {
        type: 'tool_call',
        id: 't1',
        name: 'charge',
        arguments: { card: CARD, items: [{ note: `x ${CARD}` }] },
      },
      { type: 'tool_call', id: 't2', name: 'raw', arguments: `{"card":"${CARD}"` },
    ],
  },
  {
    role: 'tool',
    parts: [
      { type: 'tool_call_response', id: 't1', response: { charged: CARD, amount: 12 } },
      { type: 'tool_call_response', id: 't2', response: `declined ${CARD}` },
      { type: 'uri', uri: `s3://receipts/${CARD}.png`, mime_type: 'image/png' },
    ],
  },
];
const output: Message[] = [{ role: 'assistant', parts: [{ type: 'text', content: `Charged ${CARD}.` }] }];

// The same content written out by hand with every occurrence replaced: the oracle is not the code under test.
const systemRedacted = [{ type: 'text', content: `Customer card ${R}.` }];
const inputRedacted = [
  { role: 'user', parts: [{ type: 'text', content: `Charge ${R} please` }] },
  {
    role: 'assistant',
    parts: [
      { type: 'reasoning', content: `The card is ${R}.` },
      { type: 'tool_call', id: 't1', name: 'charge', arguments: { card: R, items: [{ note: `x ${R}` }] } },
      { type: 'tool_call', id: 't2', name: 'raw', arguments: `{"card":"${R}"` },
    ],
  },
  {
    role: 'tool',
    parts: [
      { type: 'tool_call_response', id: 't1', response: { charged: R, amount: 12 } },
      { type: 'tool_call_response', id: 't2', response: `declined ${R}` },
      { type: 'uri', uri: `s3://receipts/${R}.png`, mime_type: 'image/png' },
    ],
  },
];
const outputRedacted = [{ role: 'assistant', parts: [{ type: 'text', content: `Charged ${R}.` }] }];
const sha = (value: unknown) => createHash('sha256').update(JSON.stringify(value), 'utf8').digest('hex');

describe('redaction covers every part of the content, in every mode', () => {
  it('full: system instructions, text, reasoning, tool arguments (string leaves and text), tool results and URIs', () => {
    const fields = contentFields({ system, input, output }, policy('full'));
    expect(JSON.parse(fields.systemInstructions ?? '')).toEqual(systemRedacted);
    expect(JSON.parse(fields.inputMessages ?? '')).toEqual(inputRedacted);
    expect(JSON.parse(fields.outputMessages ?? '')).toEqual(outputRedacted);
    expect(fields.inputPreview).toBe(`Charge ${R} please`);
    expect(fields.outputPreview).toBe(`Charged ${R}.`);
  });

  it('preview: the previews are cut from redacted text', () => {
    const fields = contentFields({ system, input, output }, policy('preview'));
    expect(fields).toEqual({
      inputPreview: `Charge ${R} please`,
      outputPreview: `Charged ${R}.`,
      truncated: false,
    });
  });

  it('hash: the sha256 of the redacted messages, so equal redacted content hashes equal', () => {
    const fields = contentFields({ system, input, output }, policy('hash'));
    expect(fields.inputSha256).toBe(sha(inputRedacted));
    expect(fields.outputSha256).toBe(sha(outputRedacted));
  });

  it('without patterns nothing changes', () => {
    const fields = contentFields({ system, input, output }, policy('full', []));
    expect(JSON.parse(fields.inputMessages ?? '')).toEqual(input);
    expect(policy('full', []).redact).toBeUndefined();
  });

  it('keeps object keys, roles, part types, ids and tool names (they are schema, not content)', () => {
    const parts: MessagePart[] = [
      { type: 'tool_call', id: 'charge', name: 'charge', arguments: { charge: 'charge' } },
    ];
    const fields = contentFields(
      { system: undefined, input: [{ role: 'user', parts }], output: undefined },
      policy('full', ['charge']),
    );
    expect(JSON.parse(fields.inputMessages ?? '')).toEqual([
      {
        role: 'user',
        parts: [{ type: 'tool_call', id: 'charge', name: 'charge', arguments: { charge: R } }],
      },
    ]);
  });
});

describe('redaction of request metadata', () => {
  const config = { conversationKeys: ['conversationId'], promoteMetadataKeys: '*' as const };
  const redact = policy('full').redact;

  it('redacts the whole-metadata JSON text, every promoted value and the conversation id', () => {
    const fields = metadataFields(
      { customer: `card ${CARD}`, nested: { deep: [CARD] }, conversationId: `conv-${CARD}`, count: 3 },
      config,
      redact,
    );
    expect(JSON.parse(fields.json ?? '')).toEqual({
      customer: `card ${R}`,
      nested: { deep: [R] },
      conversationId: `conv-${R}`,
      count: 3,
    });
    expect(fields.promoted).toEqual([
      ['aws_bedrock_request_metadata_conversationid', `conv-${R}`],
      ['aws_bedrock_request_metadata_count', '3'],
      ['aws_bedrock_request_metadata_customer', `card ${R}`],
      ['aws_bedrock_request_metadata_nested', `{"deep":["${R}"]}`],
    ]);
    expect(fields.conversationId).toBe(`conv-${R}`);
  });

  it('redacts before cutting a long value, so a cut cannot leave half a match in clear', () => {
    const value = `${'a'.repeat(1010)}${CARD}`;
    const fields = metadataFields({ note: value }, config, redact);
    expect(fields.promoted[0]?.[1]).not.toContain('4111');
    expect(fields.promoted[0]?.[1]).toContain('[REDAC');
  });
});

describe('redaction in the logs pipeline', () => {
  const config = TransformConfigSchema.parse({
    content: { redact: [CARD_PATTERN] },
    logGroups: { 'app/other': { redact: ['secret-\\w+'] } },
  });

  it('redacts non-Bedrock log lines with their log group’s patterns', async () => {
    const line = `payment failed for ${CARD} with secret-abc`;
    const event = firehoseEvent([
      recordData(dataMessage([{ message: line, timestamp: 1_700_000_000_000 }])),
      recordData(dataMessage([{ message: line, timestamp: 1_700_000_000_000 }], { logGroup: 'app/other' })),
    ]);
    const rows = rowsOfResponse(
      (await processLogsEvent(event, { normaliser: createNormaliser(config), telemetry: silentTelemetry }))
        .response,
    );
    expect(rows.map((row) => row['message'])).toEqual([
      `payment failed for ${R} with secret-abc`,
      `payment failed for ${CARD} with ${R}`,
    ]);
  });

  it('redacts lines of an S3 object that are not invocation logs with the default patterns', async () => {
    const log = readJson<Record<string, unknown>>(join(FIXTURES_DIR, 'converse/converse-nova.json'));
    const record = gzipSync(`${JSON.stringify(log)}\nrefund to ${CARD} done\n`).toString('base64');
    const rows = rowsOfResponse(
      (
        await processLogsEvent(firehoseEvent([record]), {
          normaliser: createNormaliser(config),
          telemetry: silentTelemetry,
        })
      ).response,
    );
    expect(rows.find((row) => row['source_type'] === 'log')?.['message']).toBe(`refund to ${R} done`);
  });

  // A whole invocation log with the card number in the system prompt, a tool call, a tool result, the
  // answer and the request metadata: in no content mode may it reach any field of the row.
  const log = readJson<Record<string, unknown>>(
    join(FIXTURES_DIR, 'converse/converse-anthropic-tooluse.json'),
  );
  const withCard = JSON.parse(
    JSON.stringify(log).replaceAll('88412', CARD).replaceAll('Acme Shop', `Acme Shop ${CARD}`),
  ) as Record<string, unknown>;
  withCard['requestMetadata'] = { customer: CARD, conversationId: `c-${CARD}` };

  it.each(modes)('leaves the card number nowhere in an invocation row (mode %s)', (contentMode) => {
    const normaliser = createNormaliser(
      TransformConfigSchema.parse({ content: { contentMode, redact: [CARD_PATTERN] } }),
    );
    const unredacted = createNormaliser(TransformConfigSchema.parse({ content: { contentMode } }));
    const meta = { logGroup: 'bedrock', eventTimestampMs: 1 };
    expect(JSON.stringify(unredacted.invocationRow(withCard, meta))).toContain(CARD);
    const row = normaliser.invocationRow(withCard, meta) as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(CARD);
    expect(row['aws_bedrock_request_metadata_customer']).toBe(R);
    expect(row['gen_ai_conversation_id']).toBe(`c-${R}`);
  });
});
