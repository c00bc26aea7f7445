import type { WarningCode } from '../../../schemas/invocation-row.ts';
import { asCount, asNumber, asObject, asString, type JsonObject, objectsOf, pick } from '../json-access.ts';
import {
  imageMimeTypeOfBase64,
  type Message,
  type MessagePart,
  mediaPart,
  mediaPartFromUrl,
  textMessage,
} from '../row/messages.ts';
import { someResponseBody } from './formats/openai-chat-format.ts';
import { detectPromptTemplate, splitPrompt } from './formats/prompt-templates.ts';
import type { BodyUsage, Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Meta Llama text-completion bodies (InvokeModel and InvokeModelWithResponseStream): a `prompt` holding the
 * chat template, `generation` back. Imported, custom and provisioned models with Llama-architecture bodies
 * land here by shape.
 */

export const llama: Provider = {
  id: 'llama',
  vendors: ['meta'],
  accepts,
  normalise,
};

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  const prompt = asString(request?.['prompt']);
  const output = input.outputBody;
  if (input.vendor === 'meta') return prompt !== undefined || isLlamaOutput(output);
  // By shape: `generation` is Llama's alone; without an output, only a Llama template or parameter will do.
  if (output !== undefined && output !== null) {
    return isLlamaOutput(output) && (request === undefined || prompt !== undefined);
  }
  return request !== undefined && prompt !== undefined && hasLlamaMarkers(request, prompt);
}

function isLlamaOutput(output: unknown): boolean {
  return someResponseBody(output, (body) => typeof body['generation'] === 'string');
}

function hasLlamaMarkers(request: JsonObject, prompt: string): boolean {
  if (request['max_gen_len'] !== undefined || Array.isArray(request['images'])) return true;
  const template = detectPromptTemplate(prompt);
  return template === 'llama3' || template === 'llama2';
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const warnings: WarningCode[] = [];
  const prompt = asString(request?.['prompt']);
  const split = prompt === undefined ? undefined : splitPrompt(prompt);
  const response = Array.isArray(input.outputBody)
    ? assembleStream(input.outputBody, warnings)
    : responseOf(asObject(input.outputBody));
  return {
    operationName: 'text_completion',
    system: split?.system,
    input: withImages(split?.messages, imageParts(request?.['images'])),
    output: response?.message === undefined ? undefined : [response.message],
    usage: response?.usage,
    stopReason: response?.stopReason,
    maxTokens: asCount(request?.['max_gen_len']),
    temperature: asNumber(request?.['temperature']),
    topP: asNumber(request?.['top_p']),
    warnings,
  };
}

interface LlamaResponse {
  message: Message | undefined;
  usage: BodyUsage | undefined;
  stopReason: string | undefined;
}

function responseOf(body: JsonObject | undefined): LlamaResponse | undefined {
  if (body === undefined) return undefined;
  const generation = asString(body['generation']);
  return {
    message: generation === undefined ? undefined : textMessage('assistant', generation),
    usage: usageOf(asCount(body['prompt_token_count']), asCount(body['generation_token_count'])),
    stopReason: asString(body['stop_reason']),
  };
}

/**
 * Chunks are `{generation, prompt_token_count, generation_token_count, stop_reason}`: the prompt count only
 * in the first, the generation count running, the stop reason only in the last.
 */
function assembleStream(chunks: readonly unknown[], warnings: WarningCode[]): LlamaResponse {
  let text: string | undefined;
  let promptTokens: number | undefined;
  let generationTokens: number | undefined;
  let stopReason: string | undefined;
  for (const chunk of objectsOf(chunks)) {
    const piece = asString(chunk['generation']);
    if (piece !== undefined) text = (text ?? '') + piece;
    promptTokens ??= asCount(chunk['prompt_token_count']);
    generationTokens = asCount(chunk['generation_token_count']) ?? generationTokens;
    stopReason = asString(chunk['stop_reason']) ?? stopReason;
  }
  if (stopReason === undefined) warnings.push('stream_incomplete');
  return {
    message: text === undefined ? undefined : textMessage('assistant', text),
    usage: usageOf(promptTokens, generationTokens),
    stopReason,
  };
}

function usageOf(inputTokens: number | undefined, outputTokens: number | undefined): BodyUsage | undefined {
  return inputTokens === undefined && outputTokens === undefined ? undefined : { inputTokens, outputTokens };
}

/** Llama 3.2 vision `images[]`: base64 strings (measured, never copied), or an S3 URI if Bedrock moved them. */
function imageParts(images: unknown): MessagePart[] {
  if (!Array.isArray(images)) return [];
  const parts: MessagePart[] = [];
  for (const image of images) {
    const text = asString(image);
    if (text !== undefined) {
      parts.push(mediaPartFromUrl(text));
      continue;
    }
    const object = asObject(image);
    if (object === undefined) continue;
    const uri = asString(object['s3Uri']) ?? asString(pick(object, 'source', 's3Uri'));
    const base64 = asString(object['data']) ?? asString(object['bytes']);
    const mimeType = base64 === undefined ? undefined : imageMimeTypeOfBase64(base64);
    parts.push(mediaPart({ uri, mimeType, base64 }));
  }
  return parts;
}

const IMAGE_TOKEN = '<|image|>';

/** Images belong to the user turn that holds the `<|image|>` token, else to the last user turn. */
function withImages(messages: Message[] | undefined, images: MessagePart[]): Message[] | undefined {
  if (images.length === 0) return messages;
  if (messages === undefined || messages.length === 0) return [{ role: 'user', parts: images }];
  let target: Message | undefined;
  for (const message of messages) {
    if (message.role !== 'user') continue;
    target = message;
    if (message.parts.some((part) => part.type === 'text' && part.content.includes(IMAGE_TOKEN))) break;
  }
  if (target === undefined) {
    messages.push({ role: 'user', parts: images });
    return messages;
  }
  // The token only marks where the image goes; the blob part now stands for it.
  target.parts = target.parts.map((part) =>
    part.type === 'text' && part.content.includes(IMAGE_TOKEN)
      ? { type: 'text', content: part.content.replaceAll(IMAGE_TOKEN, '').trim() }
      : part,
  );
  for (const part of images) target.parts.push(part);
  return messages;
}
