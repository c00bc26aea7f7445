import { asArray, asCount, asObject, asString, type JsonObject } from '../json-access.ts';
import { base64MediaPart, type Message, type MessagePart } from '../row/messages.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';
import { TITAN_EMBED_REQUEST_KEYS } from './titan-text.ts';

/**
 * Amazon Titan Embeddings: Text G1 and v2 (`inputText`, v2 also `dimensions`, `normalize`, `embeddingTypes`)
 * and Multimodal (`inputText` and/or base64 `inputImage`, `embeddingConfig`). Out: `embedding[]` and, for v2
 * with `embeddingTypes`, `embeddingsByType{float,binary}`, plus `inputTextTokenCount`. One input, one
 * embedding; the vector is only counted, the image only measured.
 */

export const titanEmbed: Provider = {
  id: 'titan_embed',
  vendors: ['amazon'],
  accepts,
  normalise,
};

function accepts(input: ProviderInput): boolean {
  if (isEmbeddingOutput(asObject(input.outputBody))) return true;
  const request = asObject(input.inputBody);
  if (request !== undefined) return isEmbedRequest(request, input.model);
  const noOutput = input.outputBody === undefined || input.outputBody === null;
  return noOutput && isTitanEmbedModel(input.model);
}

function isEmbeddingOutput(body: JsonObject | undefined): boolean {
  return (
    body !== undefined &&
    (Array.isArray(body['embedding']) || asObject(body['embeddingsByType']) !== undefined)
  );
}

/** `inputText` is shared with Titan Text: an embeddings-only field or an embedding model id decides. */
function isEmbedRequest(request: JsonObject, model: string | undefined): boolean {
  if (asObject(request['textGenerationConfig']) !== undefined) return false;
  if (typeof request['inputImage'] === 'string') return true;
  if (typeof request['inputText'] !== 'string') return false;
  return TITAN_EMBED_REQUEST_KEYS.some((key) => Object.hasOwn(request, key)) || isTitanEmbedModel(model);
}

function isTitanEmbedModel(model: string | undefined): boolean {
  return model?.startsWith('amazon.titan-embed') === true;
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const response = asObject(input.outputBody);
  const inputTokens = asCount(response?.['inputTextTokenCount']);
  return {
    operationName: 'embeddings',
    input: request === undefined ? undefined : inputMessages(request),
    usage: inputTokens === undefined ? undefined : { inputTokens },
    embeddingCount: response === undefined ? undefined : embeddingCountOf(response),
  };
}

function inputMessages(request: JsonObject): Message[] | undefined {
  const parts: MessagePart[] = [];
  const text = asString(request['inputText']);
  if (text !== undefined) parts.push({ type: 'text', content: text });
  const image = asString(request['inputImage']);
  if (image !== undefined) parts.push(base64MediaPart(image));
  return parts.length === 0 ? undefined : [{ role: 'user', parts }];
}

/**
 * Titan embeds one input per call: one embedding, whether it comes as `embedding[]`, as `embeddingsByType`
 * (the same vector in several encodings) or both. Without either field the count is unknown, not 0: the
 * vector may have been left out of the log (embedding data delivery off).
 */
function embeddingCountOf(response: JsonObject): number | undefined {
  if (asArray(response['embedding']) !== undefined) return 1;
  const byType = asObject(response['embeddingsByType']);
  if (byType === undefined) return undefined;
  return Object.values(byType).some(Array.isArray) ? 1 : undefined;
}
