import { hasChatCompletionShape, normaliseChatCompletion } from './formats/openai-chat-format.ts';
import type { Provider } from './provider.ts';

/**
 * OpenAI gpt-oss on InvokeModel / InvokeModelWithResponseStream: Chat Completions bodies. On InvokeModel the
 * reasoning comes first in the content, inside `<reasoning>…</reasoning>`. Being first among the Chat
 * Completions providers, it also takes OpenAI-compatible bodies of imported and custom models.
 */

export const openai: Provider = {
  id: 'openai',
  vendors: ['openai'],
  accepts: (input) => hasChatCompletionShape(input, input.vendor === 'openai'),
  normalise: (input) => normaliseChatCompletion(input, { inlineReasoning: true }),
};
