import { describe, expect, it } from 'vitest';
import { selectProvider } from '../../../functions/transform/providers/index.ts';
import { writer } from '../../../functions/transform/providers/writer.ts';
import { fixtureInput, inputOnly, truncatedStream } from '../../helpers/provider-input.ts';

const text = (content: string) => ({ type: 'text', content });

describe('writer (Palmyra)', () => {
  it('reads {text} object content (as in the AWS page) and the OpenAI-style response', () => {
    expect(writer.normalise(fixtureInput('writer', 'writer-palmyra-x5-invoke'))).toEqual({
      operationName: 'chat',
      system: undefined,
      input: [
        { role: 'user', parts: [text("Rewrite for a press release: 'we now support SSO for all plans'.")] },
      ],
      output: [
        {
          role: 'assistant',
          parts: [
            text(
              'Acme today announced that single sign-on is now available on every plan, including Starter.',
            ),
          ],
        },
      ],
      usage: { inputTokens: 23, outputTokens: 19, cacheReadTokens: undefined, reasoningTokens: undefined },
      stopReason: 'stop',
      responseId: '6c0f3b8e-21d7-4e59-a4c2-9b1e7f0d3a56',
      bodyModel: 'palmyra-x5',
      maxTokens: 120,
      temperature: 0.7,
      topP: 0.9,
      topK: undefined,
      warnings: [],
    });
  });

  it('assembles a stream and reads a {text} system message', () => {
    const fields = writer.normalise(fixtureInput('writer', 'synthetic-writer-stream'));
    expect(fields.system).toEqual([text('You write product release notes.')]);
    expect(fields.output).toEqual([
      { role: 'assistant', parts: [text('Dark mode is here: easier on the eyes, day or night.')] },
    ]);
    expect(fields.usage).toMatchObject({ inputTokens: 24, outputTokens: 14 });
    expect(fields.warnings).toEqual([]);
    expect(
      writer.normalise(truncatedStream(fixtureInput('writer', 'synthetic-writer-stream'), 2)).warnings,
    ).toEqual(['stream_incomplete']);
  });

  it.each(['writer-palmyra-x5-invoke', 'synthetic-writer-stream'])(
    '%s: accepted and chosen, input-only too',
    (name) => {
      const input = fixtureInput('writer', name);
      expect(selectProvider(input).provider).toBe(writer);
      expect(selectProvider(inputOnly(input)).provider).toBe(writer);
    },
  );
});
