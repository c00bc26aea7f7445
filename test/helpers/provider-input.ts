import { expect } from 'vitest';
import type {
  Provider,
  ProviderFields,
  ProviderInput,
} from '../../functions/transform/providers/provider.ts';
import { resolveModelId } from '../../functions/transform/row/model-id.ts';
import { allFixtures, type Fixture } from './fixtures.ts';

/** Every fixture under test/fixtures/bedrock, read once per test file. */
export const FIXTURES: readonly Fixture[] = allFixtures();

/** What normalise.ts hands a provider for one ModelInvocationLog (model resolved without configuration). */
export function inputOfLog(log: Record<string, unknown>): ProviderInput {
  const operation = typeof log['operation'] === 'string' ? log['operation'] : undefined;
  const modelId = typeof log['modelId'] === 'string' ? log['modelId'] : undefined;
  const resolved = resolveModelId(modelId, { applicationProfiles: {}, modelArns: {} });
  const input = log['input'] as Record<string, unknown> | undefined;
  const output = log['output'] as Record<string, unknown> | undefined;
  return {
    operation,
    streaming: operation?.endsWith('Stream') ?? false,
    vendor: resolved.vendor,
    model: resolved.model,
    inputBody: input?.['inputBodyJson'],
    outputBody: output?.['outputBodyJson'],
  };
}

/** The fixture `<normaliser>/<name>.json`; fails loudly when it is missing. */
export function fixture(normaliser: string, name: string): Fixture {
  const found = FIXTURES.find((candidate) => candidate.normaliser === normaliser && candidate.name === name);
  if (found === undefined) throw new Error(`no fixture ${normaliser}/${name}`);
  return found;
}

export function fixtureInput(normaliser: string, name: string): ProviderInput {
  return inputOfLog(fixture(normaliser, name).log);
}

/** The same log as an unresolved imported/custom model: vendor unknown, no model id. */
export function asUnknownVendor(input: ProviderInput): ProviderInput {
  return { ...input, vendor: 'unknown', model: undefined };
}

/** The input-only form of a log: the output offloaded to S3 or missing (error record). */
export function inputOnly(input: ProviderInput): ProviderInput {
  return { ...input, outputBody: null };
}

/** A stream cut short: only its first `keep` chunks (default: all but the last, the connection cut before the end). */
export function truncatedStream(input: ProviderInput, keep?: number): ProviderInput {
  const chunks = Array.isArray(input.outputBody) ? input.outputBody : [];
  return { ...input, outputBody: chunks.slice(0, keep ?? -1) };
}

/** Assert no base64 payload or vector from the log reaches the result. */
export function expectNoneCopied(result: ProviderFields, secrets: readonly string[]): void {
  const json = JSON.stringify(result);
  for (const secret of secrets) expect(json).not.toContain(secret);
}

/** Hostile bodies: wrong types everywhere and deep junk; `normalise` must read them as absent, never throw. */
export function hostileBodies(): unknown[] {
  let deep: unknown = { text: 'bottom' };
  for (let i = 0; i < 2000; i++) deep = { content: [deep], messages: deep, params: deep };
  return [
    undefined,
    null,
    5,
    'x',
    true,
    [],
    [null, 5, '[DONE]', [], {}],
    {},
    { content: 5, messages: 'x', results: {}, generations: 'y', images: 7, embeddings: 'z', artifacts: {} },
    {
      messages: [{ role: 5, content: 5 }, null, 'x', { content: [null, 5, { image: 'x', toolUse: 3 }] }],
      system: 5,
      inferenceConfig: [],
      textGenerationConfig: 'x',
      chat_history: [null, { role: 7, message: [], tool_calls: 'x', tool_results: 5 }],
      documents: 'x',
      tool_results: { call: 1 },
      texts: [1, null],
      images: [1, { url: 2 }],
      inputs: [{ content: 'x' }],
      text_prompts: [{ text: 5, weight: 'heavy' }],
      prompt: 5,
      inputText: 5,
      inputImage: 5,
      taskType: 5,
      textToImageParams: { text: 5, images: 'x', conditionImage: 5 },
    },
    { output: { message: { content: 'x' } }, usage: [], stopReason: 5 },
    [
      { contentBlockDelta: 5 },
      { messageStop: 'x' },
      { generations: [5] },
      { event_type: 5 },
      { completion: 5 },
    ],
    deep,
  ];
}

/** Every pair of hostile input and output bodies on top of `base`: neither accepts nor normalise may throw. */
export function expectSurvivesHostileBodies(provider: Provider, base: ProviderInput): void {
  for (const inputBody of hostileBodies()) {
    for (const outputBody of hostileBodies()) {
      const input = { ...base, inputBody, outputBody };
      expect(() => provider.accepts(input)).not.toThrow();
      expect(() => provider.normalise(input)).not.toThrow();
    }
  }
}
