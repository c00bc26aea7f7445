import type { WarningCode } from '../../../schemas/invocation-row.ts';
import { asCount, asNumber, asObject, asString, type JsonObject, objectsOf } from '../json-access.ts';
import {
  hasChatCompletionShape,
  normaliseChatCompletion,
  readChatResponse,
  someResponseBody,
} from './formats/openai-chat-format.ts';
import { detectPromptTemplate, splitPrompt } from './formats/prompt-templates.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * DeepSeek: R1's text-completion form (`prompt` in the DeepSeek chat template → `choices[].text`, reasoning
 * inline before `</think>`), and the Chat Completions form for DeepSeek models that take `messages`.
 */

export const deepseek: Provider = {
  id: 'deepseek',
  vendors: ['deepseek'],
  accepts,
  normalise,
};

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  const prompt = asString(request?.['prompt']);
  const output = input.outputBody;
  if (input.vendor === 'deepseek') {
    return prompt !== undefined || isTextChoiceOutput(output) || hasChatCompletionShape(input, true);
  }
  // By shape: a prompt with output needs `choices[].text`; a prompt alone needs the DeepSeek template. Chat
  // Completions bodies are left to `openai`.
  if (output !== undefined && output !== null) {
    return isTextChoiceOutput(output) && (request === undefined || prompt !== undefined);
  }
  return prompt !== undefined && detectPromptTemplate(prompt) === 'deepseek';
}

function isTextChoiceOutput(output: unknown): boolean {
  return someResponseBody(output, (body) =>
    objectsOf(body['choices']).some((choice) => typeof choice['text'] === 'string'),
  );
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const prompt = asString(request?.['prompt']);
  const textForm =
    prompt !== undefined || (!Array.isArray(request?.['messages']) && isTextChoiceOutput(input.outputBody));
  return textForm
    ? normaliseText(request, prompt, input.outputBody)
    : normaliseChatCompletion(input, { inlineReasoning: true });
}

function normaliseText(
  request: JsonObject | undefined,
  prompt: string | undefined,
  output: unknown,
): ProviderFields {
  const warnings: WarningCode[] = [];
  const split = prompt === undefined ? undefined : splitPrompt(prompt);
  const response = readChatResponse(output, warnings, {
    inlineReasoning: true,
    startsInReasoning: prompt !== undefined && opensReasoning(prompt),
  });
  return {
    operationName: 'text_completion',
    system: split?.system,
    input: split?.messages,
    output: response?.output,
    usage: response?.usage,
    stopReason: response?.stopReason,
    responseId: response?.id,
    maxTokens: asCount(request?.['max_tokens']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['top_p']),
    warnings,
  };
}

/** R1 prompts end with `<｜Assistant｜><think>\n`: the model continues inside its reasoning. */
function opensReasoning(prompt: string): boolean {
  return prompt.trimEnd().endsWith('<think>');
}
