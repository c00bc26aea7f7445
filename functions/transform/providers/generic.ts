import {
  asArray,
  asCount,
  asNumber,
  asObject,
  asString,
  firstDefined,
  objectsOf,
  pick,
} from '../json-access.ts';
import { type Message, textMessage } from '../row/messages.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * The fallback for bodies no provider understands: it still makes a row, reading only fields that many
 * providers share (a prompt string or messages, an OpenAI-style choice or a text field, a usage block).
 * It accepts everything and never throws, so every log normalises.
 */

export const generic: Provider = {
  id: 'generic',
  vendors: [],
  accepts: () => true,
  normalise,
};

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const response = asObject(input.outputBody);
  const prompt = firstDefined(asString(request?.['prompt']), asString(request?.['inputText']));
  const messages = asArray(request?.['messages']);
  const usage = asObject(response?.['usage']);
  const outputText = firstDefined(
    asString(pick(objectsOf(response?.['choices'])[0], 'message', 'content')),
    asString(objectsOf(response?.['choices'])[0]?.['text']),
    asString(response?.['generation']),
    asString(response?.['completion']),
    asString(response?.['outputText']),
    asString(response?.['text']),
  );
  return {
    operationName: prompt !== undefined && messages === undefined ? 'text_completion' : 'chat',
    input: prompt !== undefined ? [textMessage('user', prompt)] : messagesOf(messages),
    output: outputText === undefined ? undefined : [textMessage('assistant', outputText)],
    usage:
      usage === undefined
        ? undefined
        : {
            inputTokens: asCount(usage['prompt_tokens'] ?? usage['input_tokens'] ?? usage['inputTokens']),
            outputTokens: asCount(
              usage['completion_tokens'] ?? usage['output_tokens'] ?? usage['outputTokens'],
            ),
          },
    stopReason:
      asString(objectsOf(response?.['choices'])[0]?.['finish_reason']) ?? asString(response?.['stop_reason']),
    responseId: asString(response?.['id']),
    maxTokens: asCount(request?.['max_tokens']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['top_p']),
  };
}

function messagesOf(messages: readonly unknown[] | undefined): Message[] | undefined {
  if (messages === undefined) return undefined;
  return objectsOf(messages).map((message) => {
    const text = asString(message['content']) ?? asString(pick(message, 'content', 'text'));
    return textMessage(asString(message['role']) ?? 'user', text ?? '');
  });
}
