import { hasChatCompletionShape, normaliseChatCompletion } from './formats/openai-chat-format.ts';
import type { Provider } from './provider.ts';

/**
 * Writer Palmyra X4/X5: Chat Completions bodies (the request `content` may be a `{text}` object, as in the
 * AWS page; the response shape is inferred, so the shared reader's tolerance matters here).
 */

export const writer: Provider = {
  id: 'writer',
  vendors: ['writer'],
  accepts: (input) => hasChatCompletionShape(input, input.vendor === 'writer'),
  normalise: (input) => normaliseChatCompletion(input, { inlineReasoning: false }),
};
