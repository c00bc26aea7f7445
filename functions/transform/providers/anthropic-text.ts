import type { WarningCode } from '../../../schemas/invocation-row.ts';
import { asCount, asNumber, asObject, asString, type JsonObject, objectsOf } from '../json-access.ts';
import { type Message, type MessagePart, textMessage } from '../row/messages.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Anthropic Claude Text Completions (legacy `anthropic.claude-v2*`, `claude-instant`): a `prompt` string in the
 * `\n\nHuman: … \n\nAssistant:` template, `completion` and `stop_reason` out; streams are
 * `{completion, stop_reason, stop}` chunks. The body has no usage: tokens come from the envelope (or, for a
 * stream, from Bedrock's invocation metrics on the last chunk, which normalise.ts reads for every provider).
 */

export const anthropicText: Provider = {
  id: 'anthropic_text',
  vendors: ['anthropic'],
  accepts,
  normalise,
};

const HUMAN = '\n\nHuman:';
const ASSISTANT = '\n\nAssistant:';

/**
 * `prompt` marks the Text Completions API; outside the anthropic vendor (imported or unresolved models), where a
 * bare `prompt` is just as likely Llama or Mistral, the required `max_tokens_to_sample` or a `completion` output
 * must confirm it. No model-id fallback: Claude v2 also speaks the Messages API, so an id alone does not decide.
 */
function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  if (request !== undefined) {
    if (typeof request['prompt'] !== 'string') return false;
    return (
      input.vendor === 'anthropic' ||
      'max_tokens_to_sample' in request ||
      isCompletionOutput(input.outputBody)
    );
  }
  return isCompletionOutput(input.outputBody);
}

function isCompletionOutput(output: unknown): boolean {
  if (Array.isArray(output))
    return objectsOf(output).some((chunk) => typeof chunk['completion'] === 'string');
  return typeof asObject(output)?.['completion'] === 'string';
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const prompt = asString(request?.['prompt']);
  const split = prompt === undefined ? undefined : splitPrompt(prompt);
  const warnings: WarningCode[] = [];
  const response = Array.isArray(input.outputBody)
    ? assembleStream(input.outputBody, warnings)
    : responseOf(asObject(input.outputBody));

  return {
    operationName: 'text_completion',
    system: split?.system,
    input: split?.messages,
    output: response?.text === undefined ? undefined : [textMessage('assistant', response.text)],
    stopReason: response?.stopReason,
    maxTokens: asCount(request?.['max_tokens_to_sample']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['top_p']),
    topK: asCount(request?.['top_k']),
    warnings,
  };
}

interface CompletionResponse {
  text: string | undefined;
  stopReason: string | undefined;
}

function responseOf(body: JsonObject | undefined): CompletionResponse | undefined {
  if (body === undefined) return undefined;
  return { text: asString(body['completion']), stopReason: asString(body['stop_reason']) };
}

/** Completions concatenated; the last chunk carries the stop reason, so without one the stream was cut. */
function assembleStream(chunks: readonly unknown[], warnings: WarningCode[]): CompletionResponse {
  let text: string | undefined;
  let stopReason: string | undefined;
  for (const chunk of objectsOf(chunks)) {
    const piece = asString(chunk['completion']);
    if (piece !== undefined) text = (text ?? '') + piece;
    stopReason = asString(chunk['stop_reason']) ?? stopReason;
  }
  if (stopReason === undefined) warnings.push('stream_incomplete');
  return { text, stopReason };
}

interface SplitPrompt {
  system: MessagePart[] | undefined;
  messages: Message[];
}

/**
 * Split the `\n\nHuman:` / `\n\nAssistant:` template into turns (record-schema §4.11). Text before the first
 * turn is the system prompt (Claude 2.1 convention). Empty turns are dropped, which removes the trailing
 * `\n\nAssistant:` that asks for the completion; a pre-filled assistant turn is kept. A prompt without either
 * marker is one user message. Linear: each marker is searched for once.
 */
function splitPrompt(prompt: string): SplitPrompt {
  // The template requires the leading blank line, but a prompt that starts straight with `Human:` is clear.
  const text = prompt.startsWith('Human:') ? `\n\n${prompt}` : prompt;
  let nextHuman = text.indexOf(HUMAN);
  let nextAssistant = text.indexOf(ASSISTANT);
  if (nextHuman === -1 && nextAssistant === -1)
    return { system: undefined, messages: [textMessage('user', prompt)] };

  const messages: Message[] = [];
  let preamble: string | undefined;
  let role: string | undefined;
  let contentStart = 0;
  while (true) {
    const human = nextHuman !== -1 && (nextAssistant === -1 || nextHuman < nextAssistant);
    const markerAt = human ? nextHuman : nextAssistant;
    const end = markerAt === -1 ? text.length : markerAt;
    const content = text.slice(contentStart, end).trim();
    if (role === undefined) preamble = content;
    else if (content !== '') messages.push(textMessage(role, content));
    if (markerAt === -1) break;
    role = human ? 'user' : 'assistant';
    contentStart = markerAt + (human ? HUMAN.length : ASSISTANT.length);
    if (human) nextHuman = text.indexOf(HUMAN, contentStart);
    else nextAssistant = text.indexOf(ASSISTANT, contentStart);
  }
  return {
    system: preamble === undefined || preamble === '' ? undefined : [{ type: 'text', content: preamble }],
    messages,
  };
}
