import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ai21 } from '../../../functions/transform/providers/ai21.ts';
import { deepseek } from '../../../functions/transform/providers/deepseek.ts';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import { llama } from '../../../functions/transform/providers/llama.ts';
import { mistral } from '../../../functions/transform/providers/mistral.ts';
import { openai } from '../../../functions/transform/providers/openai.ts';
import type { Provider, ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { qwen } from '../../../functions/transform/providers/qwen.ts';
import { writer } from '../../../functions/transform/providers/writer.ts';
import { allFixtures } from '../../helpers/fixtures.ts';
import { asUnknownVendor, inputOfLog } from '../../helpers/provider-input.ts';

/**
 * The providers for prompt-template and Chat Completions bodies, checked together: which fixture each one
 * accepts, and that no body, however odd, makes one throw.
 */

const PROVIDERS: readonly Provider[] = [llama, mistral, ai21, deepseek, openai, writer, qwen];
const IDS: ReadonlySet<string> = new Set(PROVIDERS.map((provider) => provider.id));
const fixtures = allFixtures();

// Bodies in the plain Chat Completions format. `openai`, `writer` and `qwen` read the same format, so each
// accepts all of them: the vendor picks among them, and for unknown vendors `openai` comes first.
const CHAT_COMPLETIONS_PROVIDERS: ReadonlySet<string> = new Set(['openai', 'writer', 'qwen']);
const CHAT_COMPLETIONS_BODIES: ReadonlySet<string> = new Set([
  'ai21/synthetic-ai21-jamba-invoke',
  'ai21/synthetic-ai21-jamba-stream',
  'deepseek/synthetic-deepseek-v3-chat-invoke',
  'mistral/mistral-chat-invoke',
  'mistral/synthetic-mistral-chat-stream',
  'mistral/synthetic-mistral-chat-tools-invoke',
  'openai/synthetic-openai-gpt-oss-invoke',
  'openai/synthetic-openai-gpt-oss-stream-tools',
  'qwen/synthetic-qwen-invoke',
  'writer/synthetic-writer-stream',
  'writer/writer-palmyra-x5-invoke',
]);

function expectedAcceptance(providerId: string, folder: string, name: string): boolean {
  if (providerId === folder) return true;
  return CHAT_COMPLETIONS_PROVIDERS.has(providerId) && CHAT_COMPLETIONS_BODIES.has(`${folder}/${name}`);
}

describe('accepts across every fixture', () => {
  const cases = fixtures.flatMap((fixture) =>
    PROVIDERS.map(
      (provider) => [`${fixture.normaliser}/${fixture.name}`, provider.id, fixture, provider] as const,
    ),
  );

  it.each(cases)('%s by %s', (_label, _id, fixture, provider) => {
    const input = inputOfLog(fixture.log);
    expect(provider.accepts(input)).toBe(expectedAcceptance(provider.id, fixture.normaliser, fixture.name));
  });

  it('has fixtures for every provider here', () => {
    for (const id of IDS) expect(fixtures.some((fixture) => fixture.normaliser === id)).toBe(true);
  });
});

describe('selection of these providers’ fixtures', () => {
  const mine = fixtures.filter((fixture) => IDS.has(fixture.normaliser));

  it.each(mine.map((f) => [`${f.normaliser}/${f.name}`, f] as const))(
    '%s goes to its folder’s provider',
    (_l, fixture) => {
      expect(selectProvider(inputOfLog(fixture.log)).provider.id).toBe(fixture.normaliser);
    },
  );

  it('is not taken from other providers when their vendor is unknown', () => {
    const others = fixtures.filter((fixture) => !IDS.has(fixture.normaliser));
    for (const fixture of others) {
      const input = asUnknownVendor(inputOfLog(fixture.log));
      const takers = PROVIDERS.filter((provider) => provider.accepts(input)).map((provider) => provider.id);
      expect({ fixture: `${fixture.normaliser}/${fixture.name}`, takers }).toEqual({
        fixture: `${fixture.normaliser}/${fixture.name}`,
        takers: [],
      });
    }
  });
});

describe('no base64 in any result', () => {
  it.each(
    fixtures.filter((f) => IDS.has(f.normaliser)).map((f) => [`${f.normaliser}/${f.name}`, f] as const),
  )('%s', (_label, fixture) => {
    const input = inputOfLog(fixture.log);
    const json = JSON.stringify(selectProvider(input).provider.normalise(input));
    expect(json).not.toMatch(/iVBORw0KGgo|\/9j\/4AAQ|base64,/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Hostile bodies: every provider must read them without throwing.
// ---------------------------------------------------------------------------------------------------------

function bodies(inputBody: unknown, outputBody: unknown, vendor: string): ProviderInput {
  return {
    operation: Array.isArray(outputBody) ? 'InvokeModelWithResponseStream' : 'InvokeModel',
    streaming: Array.isArray(outputBody),
    vendor,
    model: undefined,
    inputBody,
    outputBody,
  };
}

function deeplyNested(depth: number): unknown {
  let value: unknown = { messages: [{ role: 'user', content: 'x' }] };
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { choices: value, prompt: value };
  return value;
}

const WRONG_TYPES: readonly unknown[] = [
  null,
  undefined,
  0,
  'text',
  true,
  [],
  {},
  {
    prompt: 42,
    messages: 'no',
    images: 'no',
    max_gen_len: 'NaN',
    max_tokens: -1,
    temperature: 'hot',
    top_p: {},
  },
  {
    prompt: ['a'],
    messages: [null, 1, 'x', { role: 7, content: { nested: { deeper: [1] } }, tool_calls: 'x' }],
  },
  {
    messages: [
      {
        role: 'assistant',
        content: [null, 5, { type: 'image_url', image_url: 9 }, { type: 'file' }],
        tool_calls: [null, { function: 'x' }, { function: { name: 5, arguments: 9 } }],
      },
      { role: 'tool', content: { weird: true } },
      { role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] },
    ],
  },
  { generation: 5, prompt_token_count: 'many', stop_reason: 7 },
  {
    outputs: 'x',
    choices: { 0: 'x' },
    completions: [{ data: 'x', finishReason: 'x' }],
    meta: 'x',
    usage: 'x',
  },
  {
    choices: [null, 'x', { message: 5, delta: 'x', text: 5, index: -3, finish_reason: 5 }],
    id: { x: 1 },
    model: 5,
  },
  { completions: [{ data: { text: 5, tokens: 'x' } }], prompt: { tokens: 5 }, id: Number.NaN },
];

const STREAMS: readonly unknown[] = [
  ['[DONE]', null, 5, [], 'data: x'],
  [{ choices: [{ delta: { tool_calls: [{ index: 'x', function: { arguments: 5 } }, null] } }] }],
  [{ choices: [{ index: 1e300, delta: { content: [{ type: 'text', text: 5 }, 'x'] } }] }],
  [{ outputs: [null, 5, { text: 5, stop_reason: {} }] }, { generation: null, generation_token_count: -1 }],
  [{ meta: { requestDurationMillis: 'slow' } }, { choices: [{ delta: { reasoning_content: 5 } }] }],
];

const VENDORS = ['meta', 'mistral', 'ai21', 'deepseek', 'openai', 'writer', 'qwen', 'unknown', 'anthropic'];

function mustNotThrow(provider: Provider, input: ProviderInput): void {
  provider.accepts(input);
  const fields = provider.normalise(input);
  expect(typeof JSON.stringify(fields)).toBe('string');
  expect(['chat', 'text_completion']).toContain(fields.operationName);
}

describe('hostile bodies', () => {
  it.each(PROVIDERS.map((p) => [p.id, p] as const))('%s: wrong types everywhere', (_id, provider) => {
    for (const request of WRONG_TYPES) {
      for (const response of [...WRONG_TYPES, ...STREAMS]) {
        for (const vendor of ['unknown', provider.vendors[0] ?? 'unknown']) {
          mustNotThrow(provider, bodies(request, response, vendor));
        }
      }
    }
  });

  it.each(PROVIDERS.map((p) => [p.id, p] as const))('%s: deeply nested junk', (_id, provider) => {
    const deep = deeplyNested(20_000);
    mustNotThrow(provider, bodies(deep, deep, 'unknown'));
    mustNotThrow(
      provider,
      bodies({ messages: [deep], prompt: 'x' }, [deep, deep], provider.vendors[0] ?? 'unknown'),
    );
  });

  it.each(PROVIDERS.map((p) => [p.id, p] as const))(
    '%s: huge strings and long streams',
    { timeout: 10_000 },
    (_id, provider) => {
      const huge = `<s>[INST] ${'x'.repeat(4_000_000)} [/INST] <think>${'y'.repeat(1_000_000)}`;
      const longStream = Array.from({ length: 50_000 }, (_, i) => ({
        generation: 'g',
        outputs: [{ text: 'o' }],
        choices: [
          {
            index: 0,
            delta: { content: 'c', tool_calls: [{ index: i % 3, function: { arguments: '1' } }] },
            text: 't',
          },
        ],
      }));
      mustNotThrow(
        provider,
        bodies(
          { prompt: huge, messages: [{ role: 'user', content: huge }] },
          {
            generation: huge,
            outputs: [{ text: huge }],
            choices: [{ text: huge, message: { content: huge } }],
          },
          provider.vendors[0] ?? 'unknown',
        ),
      );
      mustNotThrow(
        provider,
        bodies({ prompt: 'x', messages: [] }, longStream, provider.vendors[0] ?? 'unknown'),
      );
    },
  );

  it('survives arbitrary JSON bodies for every vendor (property)', () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 8 }),
      fc.record(
        { messages: fc.array(fc.jsonValue({ maxDepth: 3 })), prompt: fc.string() },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          choices: fc.array(fc.jsonValue({ maxDepth: 3 })),
          outputs: fc.array(fc.jsonValue({ maxDepth: 3 })),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(body, body, fc.constantFrom(...VENDORS), (request, response, vendor) => {
        for (const provider of PROVIDERS) mustNotThrow(provider, bodies(request, response, vendor));
      }),
      { numRuns: 300 },
    );
  });
});
