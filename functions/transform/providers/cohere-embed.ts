import { asArray, asCount, asObject, asString, type JsonObject, objectsOf, pick } from '../json-access.ts';
import { type Message, type MessagePart, mediaPartFromUrl } from '../row/messages.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Cohere Embed v3 and v4: `texts[]`, `images[]` (data URIs) or, v4, `inputs[{content:[{type:"text"|"image_url"}]}]`
 * with `input_type`, `truncate`, `embedding_types` in; `embeddings` out, either a list of vectors
 * (`response_type: "embeddings_floats"`) or an object of such lists keyed by type (`"embeddings_by_type"`).
 * Vectors are only counted; images only measured. Bedrock does not stream these models.
 */

export const cohereEmbed: Provider = {
  id: 'cohere_embed',
  vendors: ['cohere'],
  accepts,
  normalise,
};

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  if (request !== undefined) return isEmbedRequest(request, input.vendor);
  const response = asObject(input.outputBody);
  if (response !== undefined) return isEmbedResponse(response);
  const noOutput = input.outputBody === undefined || input.outputBody === null;
  return noOutput && input.model?.startsWith('cohere.embed') === true;
}

/** Lists to embed; outside the cohere vendor also one of the embedding-only parameters. */
function isEmbedRequest(request: JsonObject, vendor: string): boolean {
  const hasInputs =
    Array.isArray(request['texts']) || Array.isArray(request['images']) || Array.isArray(request['inputs']);
  if (!hasInputs) return false;
  return vendor === 'cohere' || typeof request['input_type'] === 'string' || 'embedding_types' in request;
}

/**
 * `response_type`, or an `embeddings` list of vectors (or object of such lists). Nova's multimodal embeddings
 * answer `embeddings` as a list of objects, which this does not take.
 */
function isEmbedResponse(response: JsonObject): boolean {
  const embeddings = response['embeddings'];
  if (embeddings === undefined) return false;
  if (typeof response['response_type'] === 'string') return true;
  const list = asArray(embeddings) ?? firstList(asObject(embeddings));
  return list !== undefined && Array.isArray(list[0]);
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const response = asObject(input.outputBody);
  const inputTokens = asCount(pick(response, 'meta', 'billed_units', 'input_tokens'));
  return {
    operationName: 'embeddings',
    input: request === undefined ? undefined : inputMessages(request),
    usage: inputTokens === undefined ? undefined : { inputTokens },
    responseId: asString(response?.['id']),
    embeddingCount: response === undefined ? undefined : vectorCount(response['embeddings']),
  };
}

/** Everything embedded in one user message: text parts, images as sized blobs (data URIs are never copied). */
function inputMessages(request: JsonObject): Message[] | undefined {
  const parts: MessagePart[] = [];
  for (const text of asArray(request['texts']) ?? []) {
    if (typeof text === 'string') parts.push({ type: 'text', content: text });
  }
  for (const image of asArray(request['images']) ?? []) {
    if (typeof image === 'string') parts.push(mediaPartFromUrl(image));
  }
  for (const item of objectsOf(request['inputs'])) {
    for (const block of objectsOf(item['content'])) {
      const part = inputBlockPart(block);
      if (part !== undefined) parts.push(part);
    }
  }
  return parts.length === 0 ? undefined : [{ role: 'user', parts }];
}

function inputBlockPart(block: JsonObject): MessagePart | undefined {
  const text = asString(block['text']);
  if (block['type'] === 'text' && text !== undefined) return { type: 'text', content: text };
  const url = asString(block['image_url']) ?? asString(pick(block, 'image_url', 'url'));
  return url === undefined ? undefined : mediaPartFromUrl(url);
}

/**
 * The number of vectors: the length of the list, or, keyed by type, of ONE type's list (each type holds the
 * same inputs in another encoding, so types × vectors would over-count).
 */
function vectorCount(embeddings: unknown): number | undefined {
  const list = asArray(embeddings) ?? firstList(asObject(embeddings));
  if (list === undefined) return undefined;
  let count = 0;
  for (const vector of list) if (Array.isArray(vector)) count++;
  return count;
}

function firstList(byType: JsonObject | undefined): readonly unknown[] | undefined {
  if (byType === undefined) return undefined;
  for (const key in byType) {
    const list = asArray(byType[key]);
    if (list !== undefined) return list;
  }
  return undefined;
}
