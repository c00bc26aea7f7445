import { asArray, asCount, asObject, asString, type JsonObject } from '../json-access.ts';
import { base64MediaPart, type Message, type MessagePart, negativePromptPart } from '../row/messages.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Amazon Titan Image Generator v1/v2 and Nova Canvas (same body): `taskType` plus one `<task>Params` object
 * (`textToImageParams{text,negativeText}`, `inPaintingParams{image,maskPrompt|maskImage,text}`, …) and
 * `imageGenerationConfig` in; `images[]` (base64) and `error` out. Prompts become text parts, every image (in
 * or out) a blob part with its decoded size: base64 is never copied.
 *
 * `imageCount` is the number of images in the response. When the response is not in the log (offloaded to S3,
 * or an error record) it is left out; the request's `numberOfImages` is reported apart as
 * `requestedImageCount` (normalise.ts counts it only for offloaded responses, as images are usually offloaded
 * and must still be priced). Size and quality come from `imageGenerationConfig`, with the API defaults
 * (1024 × 1024, standard) for text-to-image requests that leave them out.
 */

export const titanImage: Provider = {
  id: 'titan_image',
  vendors: ['amazon'],
  accepts,
  normalise,
};

const IMAGE_TASK_TYPES: ReadonlySet<string> = new Set([
  'TEXT_IMAGE',
  'IMAGE_VARIATION',
  'INPAINTING',
  'OUTPAINTING',
  'COLOR_GUIDED_GENERATION',
  'BACKGROUND_REMOVAL',
  'VIRTUAL_TRY_ON',
]);
const IMAGE_TASK_PARAMS = [
  'textToImageParams',
  'imageVariationParams',
  'inPaintingParams',
  'outPaintingParams',
  'colorGuidedGenerationParams',
  'backgroundRemovalParams',
  'virtualTryOnParams',
] as const;
/** Task-parameter fields that hold a base64 image. */
const IMAGE_FIELDS: ReadonlySet<string> = new Set([
  'image',
  'maskImage',
  'conditionImage',
  'referenceImage',
  'sourceImage',
]);
// Task parameters nest at most two levels (virtualTryOnParams.imageBasedMask.maskImage); deeper is junk.
const MAX_PARAMS_DEPTH = 3;

/**
 * An image task or image parameters in the request (Nova Reel's `TEXT_VIDEO` and the Nova embeddings tasks
 * also carry `taskType`, so the task must be an image one); without a request, an `images` response that is
 * not Stability's (`seeds`, `finish_reasons`); without either body, the model id.
 */
function accepts(input: ProviderInput): boolean {
  const request = asObject(input.inputBody);
  if (request !== undefined) return isImageRequest(request);
  const response = asObject(input.outputBody);
  if (response !== undefined) return isTitanImageResponse(response);
  const noOutput = input.outputBody === undefined || input.outputBody === null;
  return noOutput && isImageModel(input.model);
}

function isImageRequest(request: JsonObject): boolean {
  const taskType = asString(request['taskType']);
  if (taskType !== undefined && IMAGE_TASK_TYPES.has(taskType)) return true;
  if (asObject(request['imageGenerationConfig']) !== undefined) return true;
  return IMAGE_TASK_PARAMS.some((key) => asObject(request[key]) !== undefined);
}

function isTitanImageResponse(response: JsonObject): boolean {
  return Array.isArray(response['images']) && !('seeds' in response) && !('finish_reasons' in response);
}

function isImageModel(model: string | undefined): boolean {
  return (
    model !== undefined &&
    (model.startsWith('amazon.titan-image-generator') || model.startsWith('amazon.nova-canvas'))
  );
}

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const response = asObject(input.outputBody);
  const images = response === undefined ? undefined : generatedImages(response);
  const generation = asObject(request?.['imageGenerationConfig']);
  // Only text-to-image has a documented default size; edits take the size of their input image.
  const defaultSize = asString(request?.['taskType']) === 'TEXT_IMAGE' ? DEFAULT_IMAGE_SIDE : undefined;
  return {
    operationName: 'generate_content',
    input: request === undefined ? undefined : inputMessages(request),
    output: images === undefined || images.length === 0 ? undefined : [{ role: 'assistant', parts: images }],
    imageCount: images?.length,
    requestedImageCount: request === undefined ? undefined : (asCount(generation?.['numberOfImages']) ?? 1),
    imageWidth: asCount(generation?.['width']) ?? defaultSize,
    imageHeight: asCount(generation?.['height']) ?? defaultSize,
    imageQuality:
      asString(generation?.['quality']) === 'premium'
        ? 'premium'
        : request === undefined
          ? undefined
          : 'standard',
  };
}

const DEFAULT_IMAGE_SIDE = 1024;

/** Output images as sized blobs; an `error` response without images produced none. */
function generatedImages(response: JsonObject): MessagePart[] | undefined {
  const images = asArray(response['images']);
  if (images === undefined) return typeof response['error'] === 'string' ? [] : undefined;
  const parts: MessagePart[] = [];
  for (const image of images) if (typeof image === 'string') parts.push(base64MediaPart(image));
  return parts;
}

/** Parts of the task parameters by kind, so the prompt leads whatever the key order of the body. */
interface ParamsParts {
  prompts: MessagePart[];
  qualifiers: MessagePart[];
  images: MessagePart[];
}

/**
 * Every `<task>Params` object is read, so tasks added later still yield their prompt and images. The one user
 * message lists the prompt first (it is what the input preview shows), then negative and mask prompts, then
 * the input images.
 */
function inputMessages(request: JsonObject): Message[] | undefined {
  const found: ParamsParts = { prompts: [], qualifiers: [], images: [] };
  for (const key of Object.keys(request)) {
    if (key.endsWith('Params')) collectParams(request[key], found, 1);
  }
  const parts = [...found.prompts, ...found.qualifiers, ...found.images];
  return parts.length === 0 ? undefined : [{ role: 'user', parts }];
}

function collectParams(value: unknown, found: ParamsParts, depth: number): void {
  const params = asObject(value);
  if (params === undefined || depth > MAX_PARAMS_DEPTH) return;
  for (const [key, field] of Object.entries(params)) {
    if (typeof field === 'string') {
      collectStringField(key, field, found);
    } else if (key === 'images') {
      for (const image of asArray(field) ?? [])
        if (typeof image === 'string') found.images.push(base64MediaPart(image));
    } else {
      collectParams(field, found, depth + 1);
    }
  }
}

/** Prompt texts become text parts, image fields sized blobs; other strings (style, mode names) are settings. */
function collectStringField(key: string, value: string, found: ParamsParts): void {
  if (key === 'text') found.prompts.push({ type: 'text', content: value });
  else if (key === 'negativeText') found.qualifiers.push(negativePromptPart(value));
  else if (key === 'maskPrompt') found.qualifiers.push({ type: 'text', content: `Mask prompt: ${value}` });
  else if (IMAGE_FIELDS.has(key)) found.images.push(base64MediaPart(value));
}
