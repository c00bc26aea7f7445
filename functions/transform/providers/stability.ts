import {
  asArray,
  asCount,
  asNumber,
  asObject,
  asString,
  type JsonObject,
  objectsOf,
} from '../json-access.ts';
import {
  base64MediaPart,
  type Message,
  type MessagePart,
  mimeTypeOf,
  negativePromptPart,
} from '../row/messages.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Stability AI image models. SDXL 1.0: `text_prompts[{text,weight}]` (negative weight = negative prompt),
 * `cfg_scale`, `steps`… in; `result`, `artifacts[{base64,finishReason,seed}]` out. SD3.x and Stable Image
 * Core/Ultra: `prompt`, `negative_prompt`, `mode`, `aspect_ratio`, `output_format`, optional input `image` in;
 * `images[]`, `seeds[]`, `finish_reasons[]` out. Images become sized blob parts, never bytes.
 */

export const stability: Provider = {
  id: 'stability',
  vendors: ['stability'],
  accepts,
  normalise,
};

/** Request fields of the SD3 / Stable Image APIs that no text model sends beside a `prompt`. */
const STABLE_IMAGE_REQUEST_KEYS = [
  'negative_prompt',
  'aspect_ratio',
  'output_format',
  'style_preset',
  'cfg_scale',
] as const;
/** Request fields holding a base64 input image (SDXL image-to-image and masks, SD3 image-to-image, services). */
const INPUT_IMAGE_FIELDS = ['init_image', 'mask_image', 'image', 'mask', 'style_image'] as const;

function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  if (request !== undefined && isStabilityRequest(request, input.vendor)) return true;
  const response = asObject(input.outputBody);
  if (response !== undefined && isStabilityResponse(response)) return true;
  const noBodies = request === undefined && (input.outputBody === undefined || input.outputBody === null);
  return noBodies && input.model?.startsWith('stability.') === true;
}

/**
 * `text_prompts` is SDXL. A `prompt` string is everyone's, so outside the stability vendor (imported or
 * unresolved models) it needs an image-only field beside it; within it, a prompt or a bare input image (the
 * image services: upscale, remove background…) is enough.
 */
function isStabilityRequest(request: JsonObject, vendor: string): boolean {
  if (Array.isArray(request['text_prompts'])) return true;
  const hasPrompt = typeof request['prompt'] === 'string';
  if (vendor === 'stability') return hasPrompt || typeof request['image'] === 'string';
  if (!hasPrompt) return false;
  if (asString(request['mode'])?.endsWith('-to-image') === true) return true;
  return STABLE_IMAGE_REQUEST_KEYS.some((key) => Object.hasOwn(request, key));
}

function isStabilityResponse(response: JsonObject): boolean {
  if (Array.isArray(response['artifacts'])) return true;
  return (
    Array.isArray(response['images']) &&
    (Array.isArray(response['seeds']) || Array.isArray(response['finish_reasons']))
  );
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const response = asObject(input.outputBody);
  const generated = response === undefined ? undefined : generatedImages(response, outputMimeType(request));
  const parts = generated?.parts;
  return {
    operationName: 'generate_content',
    input: request === undefined ? undefined : inputMessages(request),
    output: parts === undefined || parts.length === 0 ? undefined : [{ role: 'assistant', parts }],
    stopReason: generated?.stopReason,
    // Left out when the response is not in the log (offloaded, error): see titan-image.ts for why.
    imageCount: parts?.length,
    requestedImageCount: request === undefined ? undefined : (asCount(request['samples']) ?? 1),
    imageWidth: asCount(request?.['width']) ?? sdxlDefaultSide(request),
    imageHeight: asCount(request?.['height']) ?? sdxlDefaultSide(request),
    // SDXL bills steps above 50 as premium; other Stability models have one price (no quality tier).
    imageQuality: sdxlQuality(request),
  };
}

function inputMessages(request: JsonObject): Message[] | undefined {
  const parts: MessagePart[] = [];
  for (const prompt of objectsOf(request['text_prompts'])) {
    const text = asString(prompt['text']);
    if (text === undefined) continue;
    const weight = asNumber(prompt['weight']);
    parts.push(
      weight !== undefined && weight < 0 ? negativePromptPart(text) : { type: 'text', content: text },
    );
  }
  const prompt = asString(request['prompt']);
  if (prompt !== undefined) parts.push({ type: 'text', content: prompt });
  const negative = asString(request['negative_prompt']);
  if (negative !== undefined && negative !== '') parts.push(negativePromptPart(negative));
  for (const field of INPUT_IMAGE_FIELDS) {
    const image = asString(request[field]);
    if (image !== undefined) parts.push(base64MediaPart(image));
  }
  return parts.length === 0 ? undefined : [{ role: 'user', parts }];
}

/** SD3 and Stable Image take `output_format` (png, jpeg, webp); SDXL answers PNG, found by its signature. */
function outputMimeType(request: JsonObject | undefined): string | undefined {
  return mimeTypeOf(asString(request?.['output_format']));
}

interface GeneratedImages {
  parts: MessagePart[];
  stopReason: string | undefined;
}

function generatedImages(response: JsonObject, mimeType: string | undefined): GeneratedImages | undefined {
  const parts: MessagePart[] = [];
  const reasons: (string | undefined)[] = [];
  const artifacts = asArray(response['artifacts']);
  if (artifacts !== undefined) {
    for (const artifact of objectsOf(artifacts)) {
      const base64 = asString(artifact['base64']);
      if (base64 !== undefined) parts.push(base64MediaPart(base64, mimeType));
      reasons.push(asString(artifact['finishReason']));
    }
    return { parts, stopReason: decisiveReason(reasons) };
  }
  const images = asArray(response['images']);
  if (images === undefined) return undefined;
  for (const image of images) if (typeof image === 'string') parts.push(base64MediaPart(image, mimeType));
  for (const reason of asArray(response['finish_reasons']) ?? []) reasons.push(asString(reason));
  return { parts, stopReason: decisiveReason(reasons) };
}

/**
 * One stop reason for several images: the first that is not `SUCCESS` (a filtered or failed image is what a
 * reader needs to see), else `SUCCESS`. SD3 reports `null` for a clean image: no reason then.
 */
function decisiveReason(reasons: readonly (string | undefined)[]): string | undefined {
  let first: string | undefined;
  for (const reason of reasons) {
    if (reason === undefined) continue;
    if (reason.toUpperCase() !== 'SUCCESS') return reason;
    first ??= reason;
  }
  return first;
}

/** SDXL 1.0 on Bedrock renders 1024 × 1024 when the request sets no size; SD3 and Stable Image bill per image. */
function sdxlQuality(request: JsonObject | undefined): 'standard' | 'premium' | undefined {
  if (request === undefined || !Array.isArray(request['text_prompts'])) return undefined;
  return (asCount(request['steps']) ?? 0) > 50 ? 'premium' : 'standard';
}

function sdxlDefaultSide(request: JsonObject | undefined): number | undefined {
  return request !== undefined && Array.isArray(request['text_prompts']) ? 1024 : undefined;
}
