import type { ProfileType, WarningCode } from '../../../schemas/row-constants.ts';
import type { TransformConfig } from '../../../schemas/transform-config.ts';
import { ownValue } from '../json-access.ts';

/**
 * Model resolution (record-schema §4.4): from the `modelId` the caller passed (model id, system profile id or
 * any Bedrock ARN) to the foundation model id, vendor, inference-profile type, geo and price tier. Pure and
 * cached: a batch carries few distinct model ids.
 */

export interface ResolvedModel {
  /** The foundation model id with its version suffix, e.g. anthropic.claude-3-haiku-20240307-v1:0. */
  readonly model: string | undefined;
  /** The id that decides the price: the system profile id (us.…, global.…) when there is one, else `model`. */
  readonly pricingModelId: string | undefined;
  readonly vendor: string;
  readonly profileType: ProfileType;
  readonly profileGeo: string | undefined;
  readonly priceTier: 'global' | 'regional';
  readonly warnings: readonly WarningCode[];
}

/** Vendors we have normalisers or prices for. A first segment from this list is never taken for a geo prefix. */
export const KNOWN_VENDORS: ReadonlySet<string> = new Set([
  'anthropic',
  'amazon',
  'meta',
  'mistral',
  'cohere',
  'ai21',
  'deepseek',
  'openai',
  'writer',
  'qwen',
  'stability',
  'google',
  'nvidia',
  'moonshot',
  'moonshotai',
  'minimax',
  'twelvelabs',
  'luma',
  'zai',
]);

// Documented geos (us, eu, apac, jp, au, ca, us-gov, global) and any future one of the same shape.
const GEO_PREFIX = /^([a-z]{2,6}(?:-[a-z]+)?)\.([a-z0-9-]+)\.(.+)$/;

const ARN = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):(\d{12})?:([a-z-]+)\/(.+)$/;

// Maps, not object literals: the keys come from logs, and `constructor` or `__proto__` are real inputs.
const ARN_KIND_TO_PROFILE: ReadonlyMap<string, ProfileType> = new Map([
  ['application-inference-profile', 'application'],
  ['provisioned-model', 'provisioned'],
  ['custom-model-deployment', 'custom_deployment'],
  ['custom-model', 'custom_deployment'],
  ['imported-model', 'imported'],
  ['prompt', 'prompt'],
  ['prompt-router', 'prompt_router'],
  ['default-prompt-router', 'prompt_router'],
]);

/**
 * Names that bodies use for the model (Anthropic's `model`, OpenAI-style `model`) mapped to Bedrock ids. Only
 * needed for application-profile ARNs without a configured mapping; an unlisted name is kept as it is.
 */
export const BODY_MODEL_ALIASES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'claude-instant-1.2': 'anthropic.claude-instant-v1',
    'claude-2.0': 'anthropic.claude-v2',
    'claude-2.1': 'anthropic.claude-v2:1',
    'claude-3-haiku-20240307': 'anthropic.claude-3-haiku-20240307-v1:0',
    'claude-3-sonnet-20240229': 'anthropic.claude-3-sonnet-20240229-v1:0',
    'claude-3-opus-20240229': 'anthropic.claude-3-opus-20240229-v1:0',
    'claude-3-5-haiku-20241022': 'anthropic.claude-3-5-haiku-20241022-v1:0',
    'claude-3-5-sonnet-20240620': 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    'claude-3-5-sonnet-20241022': 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    'claude-3-7-sonnet-20250219': 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    'claude-sonnet-4-20250514': 'anthropic.claude-sonnet-4-20250514-v1:0',
    'claude-opus-4-20250514': 'anthropic.claude-opus-4-20250514-v1:0',
    'claude-opus-4-1-20250805': 'anthropic.claude-opus-4-1-20250805-v1:0',
    'claude-sonnet-4-5-20250929': 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    'claude-haiku-4-5-20251001': 'anthropic.claude-haiku-4-5-20251001-v1:0',
    'claude-opus-4-5-20251101': 'anthropic.claude-opus-4-5-20251101-v1:0',
    'claude-opus-4-6': 'anthropic.claude-opus-4-6-v1',
    'claude-sonnet-4-6': 'anthropic.claude-sonnet-4-6',
  }),
);

interface SplitId {
  readonly model: string;
  readonly geo: string | undefined;
}

/** `us.anthropic.x` → geo us + model anthropic.x; `anthropic.x` → no geo. */
export function splitProfileId(id: string): SplitId {
  const match = GEO_PREFIX.exec(id);
  if (match === null) return { model: id, geo: undefined };
  const [, first = '', second = '', rest = ''] = match;
  // `vendor.model.with.dots` (openai.gpt-5.4) must not read as geo `openai`.
  if (KNOWN_VENDORS.has(first)) return { model: id, geo: undefined };
  return { model: `${second}.${rest}`, geo: first };
}

export function vendorOf(modelId: string): string {
  const dot = modelId.indexOf('.');
  return dot > 0 ? modelId.slice(0, dot) : 'unknown';
}

function fromIdOrProfileId(
  id: string,
  profileTypeWhenNoGeo: ProfileType,
  warnings: WarningCode[],
): ResolvedModel {
  const { model, geo } = splitProfileId(id);
  const global = geo === 'global';
  const profileType: ProfileType =
    geo === undefined
      ? profileTypeWhenNoGeo
      : profileTypeWhenNoGeo === 'none'
        ? global
          ? 'global_cross_region'
          : 'cross_region'
        : profileTypeWhenNoGeo;
  return {
    model,
    pricingModelId: id,
    vendor: vendorOf(model),
    profileType,
    profileGeo: geo,
    priceTier: global ? 'global' : 'regional',
    warnings,
  };
}

function unresolved(profileType: ProfileType): ResolvedModel {
  return {
    model: undefined,
    pricingModelId: undefined,
    vendor: 'unknown',
    profileType,
    profileGeo: undefined,
    priceTier: 'regional',
    warnings: ['model_unresolved'],
  };
}

/** Resolve a `modelId` without looking at the body. */
export function resolveModelId(
  modelId: string | undefined,
  config: Pick<TransformConfig, 'applicationProfiles' | 'modelArns'>,
): ResolvedModel {
  if (modelId === undefined || modelId === '') return unresolved('none');
  const arn = ARN.exec(modelId);
  if (arn === null) {
    if (modelId.startsWith('arn:')) return unresolved('none');
    return fromIdOrProfileId(modelId, 'none', []);
  }
  const [, , , kind = '', resource = ''] = arn;
  if (kind === 'foundation-model') return fromIdOrProfileId(resource, 'none', []);
  if (kind === 'inference-profile') return fromIdOrProfileId(resource, 'none', []);
  const profileType = ARN_KIND_TO_PROFILE.get(kind);
  if (profileType === undefined) return unresolved('none');
  const mapped = ownValue(
    profileType === 'application' ? config.applicationProfiles : config.modelArns,
    modelId,
  );
  if (mapped === undefined) return unresolved(profileType);
  return fromIdOrProfileId(mapped, profileType, []);
}

/**
 * Second chance for application profiles and prompt routers: the model the body names (Anthropic `model`,
 * Converse `trace.promptRouter.invokedModelId`). Applied only when the id alone did not resolve.
 */
export function refineWithBodyModel(resolved: ResolvedModel, bodyModel: string | undefined): ResolvedModel {
  if (resolved.model !== undefined || bodyModel === undefined || bodyModel === '') return resolved;
  if (resolved.profileType !== 'application' && resolved.profileType !== 'prompt_router') return resolved;
  const invoked = bodyModel.startsWith('arn:')
    ? resolveModelId(bodyModel, { applicationProfiles: {}, modelArns: {} })
    : undefined;
  if (invoked?.model !== undefined) return { ...invoked, profileType: resolved.profileType };
  const alias = BODY_MODEL_ALIASES.get(bodyModel);
  if (alias !== undefined) return { ...fromIdOrProfileId(alias, resolved.profileType, []) };
  if (bodyModel.includes('.')) return fromIdOrProfileId(bodyModel, resolved.profileType, []);
  return {
    ...resolved,
    model: bodyModel,
    vendor: bodyModel.startsWith('claude') ? 'anthropic' : 'unknown',
    warnings: ['model_alias_unknown'],
  };
}

/** Memoised `resolveModelId` for one configuration. */
export function createModelResolver(
  config: Pick<TransformConfig, 'applicationProfiles' | 'modelArns'>,
): (modelId: string | undefined) => ResolvedModel {
  const cache = new Map<string, ResolvedModel>();
  return (modelId) => {
    if (modelId === undefined) return resolveModelId(undefined, config);
    let hit = cache.get(modelId);
    if (hit === undefined) {
      hit = resolveModelId(modelId, config);
      if (cache.size < 10_000) cache.set(modelId, hit);
    }
    return hit;
  };
}
