import { hasChatCompletionShape, normaliseChatCompletion } from './formats/openai-chat-format.ts';
import type { Provider } from './provider.ts';

/**
 * Qwen3 on InvokeModel: OpenAI-compatible Chat Completions bodies. Thinking arrives as `reasoning_content`
 * beside the content or inline as `<think>…</think>`; both become a reasoning part.
 */

export const qwen: Provider = {
  id: 'qwen',
  vendors: ['qwen'],
  accepts: (input) => hasChatCompletionShape(input, input.vendor === 'qwen'),
  normalise: (input) => normaliseChatCompletion(input, { inlineReasoning: true }),
};
