import { describe, expect, it } from 'vitest';
import {
  createModelResolver,
  refineWithBodyModel,
  resolveModelId,
  splitProfileId,
} from '../../../functions/transform/row/model-id.ts';

const none = { applicationProfiles: {}, modelArns: {} };
const APP = 'arn:aws:bedrock:us-east-2:111111111111:application-inference-profile/abc123';
const PROVISIONED = 'arn:aws:bedrock:us-east-1:111111111111:provisioned-model/pt-1';

describe('resolveModelId', () => {
  it.each([
    [
      'anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic',
      'none',
      undefined,
      'regional',
    ],
    [
      'anthropic.claude-sonnet-4-6',
      'anthropic.claude-sonnet-4-6',
      'anthropic',
      'none',
      undefined,
      'regional',
    ],
    [
      'us.anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic',
      'cross_region',
      'us',
      'regional',
    ],
    ['eu.amazon.nova-pro-v1:0', 'amazon.nova-pro-v1:0', 'amazon', 'cross_region', 'eu', 'regional'],
    [
      'apac.meta.llama3-2-90b-instruct-v1:0',
      'meta.llama3-2-90b-instruct-v1:0',
      'meta',
      'cross_region',
      'apac',
      'regional',
    ],
    [
      'us-gov.anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic',
      'cross_region',
      'us-gov',
      'regional',
    ],
    [
      'jp.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'anthropic',
      'cross_region',
      'jp',
      'regional',
    ],
    [
      'au.anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic',
      'cross_region',
      'au',
      'regional',
    ],
    [
      'ca.anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic',
      'cross_region',
      'ca',
      'regional',
    ],
    [
      'global.anthropic.claude-opus-4-6-v1',
      'anthropic.claude-opus-4-6-v1',
      'anthropic',
      'global_cross_region',
      'global',
      'global',
    ],
    [
      'sa.anthropic.claude-new-v1:0',
      'anthropic.claude-new-v1:0',
      'anthropic',
      'cross_region',
      'sa',
      'regional',
    ],
    ['openai.gpt-5.4', 'openai.gpt-5.4', 'openai', 'none', undefined, 'regional'],
    [
      'global.openai.gpt-5.6-luna',
      'openai.gpt-5.6-luna',
      'openai',
      'global_cross_region',
      'global',
      'global',
    ],
    [
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic',
      'none',
      undefined,
      'regional',
    ],
    [
      'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic',
      'cross_region',
      'us',
      'regional',
    ],
    [
      'arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'anthropic',
      'global_cross_region',
      'global',
      'global',
    ],
    [
      'arn:aws-us-gov:bedrock:us-gov-west-1:111122223333:inference-profile/us-gov.anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic.claude-3-haiku-20240307-v1:0',
      'anthropic',
      'cross_region',
      'us-gov',
      'regional',
    ],
  ])('%s', (modelId, model, vendor, profileType, geo, tier) => {
    expect(resolveModelId(modelId, none)).toEqual({
      model,
      pricingModelId: expect.any(String),
      vendor,
      profileType,
      profileGeo: geo,
      priceTier: tier,
      warnings: [],
    });
  });

  it.each([
    [APP, 'application'],
    [PROVISIONED, 'provisioned'],
    ['arn:aws:bedrock:us-east-1:111111111111:custom-model-deployment/d1', 'custom_deployment'],
    ['arn:aws:bedrock:us-east-1:111111111111:imported-model/im1', 'imported'],
    ['arn:aws:bedrock:us-east-1:111111111111:prompt/PROMPT12345:1', 'prompt'],
    ['arn:aws:bedrock:us-east-1:111111111111:default-prompt-router/anthropic.claude:1', 'prompt_router'],
  ])('unmapped %s → %s, unresolved', (arn, profileType) => {
    expect(resolveModelId(arn, none)).toMatchObject({
      model: undefined,
      vendor: 'unknown',
      profileType,
      warnings: ['model_unresolved'],
    });
  });

  it('maps an application profile to a system profile id: geo and global tier come with it', () => {
    const resolved = resolveModelId(APP, {
      applicationProfiles: { [APP]: 'global.anthropic.claude-haiku-4-5-20251001-v1:0' },
      modelArns: {},
    });
    expect(resolved).toEqual({
      model: 'anthropic.claude-haiku-4-5-20251001-v1:0',
      pricingModelId: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
      vendor: 'anthropic',
      profileType: 'application',
      profileGeo: 'global',
      priceTier: 'global',
      warnings: [],
    });
  });

  it('maps provisioned and imported ARNs through modelArns', () => {
    expect(
      resolveModelId(PROVISIONED, {
        applicationProfiles: {},
        modelArns: { [PROVISIONED]: 'meta.llama3-1-8b-instruct-v1:0' },
      }),
    ).toMatchObject({
      model: 'meta.llama3-1-8b-instruct-v1:0',
      vendor: 'meta',
      profileType: 'provisioned',
      warnings: [],
    });
  });

  it('treats other ARNs and empty ids as unresolved', () => {
    expect(resolveModelId('arn:aws:sagemaker:us-east-1:111111111111:endpoint/x', none)).toMatchObject({
      model: undefined,
      warnings: ['model_unresolved'],
    });
    expect(resolveModelId('', none)).toMatchObject({ model: undefined, warnings: ['model_unresolved'] });
    expect(resolveModelId(undefined, none)).toMatchObject({
      model: undefined,
      warnings: ['model_unresolved'],
    });
  });
});

describe('refineWithBodyModel', () => {
  const app = resolveModelId(APP, none);

  it('resolves an application profile from the body model through the alias table', () => {
    expect(refineWithBodyModel(app, 'claude-haiku-4-5-20251001')).toMatchObject({
      model: 'anthropic.claude-haiku-4-5-20251001-v1:0',
      vendor: 'anthropic',
      profileType: 'application',
      warnings: [],
    });
  });

  it('keeps an unknown body name as it is, with model_alias_unknown', () => {
    expect(refineWithBodyModel(app, 'claude-future-9')).toMatchObject({
      model: 'claude-future-9',
      warnings: ['model_alias_unknown'],
    });
  });

  it('takes a prompt router’s invoked model ARN', () => {
    const router = resolveModelId(
      'arn:aws:bedrock:us-east-1:111111111111:default-prompt-router/anthropic.claude:1',
      none,
    );
    expect(
      refineWithBodyModel(
        router,
        'arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0',
      ),
    ).toMatchObject({
      model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      profileType: 'prompt_router',
      profileGeo: 'us',
    });
  });

  it('does nothing when the id already resolved or there is no body model', () => {
    const plain = resolveModelId('anthropic.claude-3-haiku-20240307-v1:0', none);
    expect(refineWithBodyModel(plain, 'claude-3-opus-20240229')).toBe(plain);
    expect(refineWithBodyModel(app, undefined)).toBe(app);
  });
});

describe('splitProfileId and the cache', () => {
  it('does not take a vendor for a geo', () => {
    expect(splitProfileId('amazon.nova-pro-v1:0')).toEqual({ model: 'amazon.nova-pro-v1:0', geo: undefined });
    expect(splitProfileId('mistral.mistral-7b-instruct-v0:2')).toEqual({
      model: 'mistral.mistral-7b-instruct-v0:2',
      geo: undefined,
    });
  });

  it('memoises per id', () => {
    const resolve = createModelResolver(none);
    expect(resolve('us.amazon.nova-lite-v1:0')).toBe(resolve('us.amazon.nova-lite-v1:0'));
  });
});
