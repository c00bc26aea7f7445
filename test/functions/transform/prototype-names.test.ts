import { describe, expect, it } from 'vitest';
import { summariseByModel } from '../../../functions/cli/demo.ts';
import { main } from '../../../functions/cli/main.ts';
import { toFinishReason } from '../../../functions/transform/row/finish-reason.ts';
import { mimeTypeOf } from '../../../functions/transform/row/messages.ts';
import { refineWithBodyModel, resolveModelId } from '../../../functions/transform/row/model-id.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { contentSettingsFor } from '../../../schemas/transform-config.ts';
import { captureIo } from '../../helpers/cli.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';

// Values from logs that name Object.prototype members read as unknown values, never as its members.
const config = TransformConfigSchema.parse({});
const PROFILE_ARN = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';

describe('prototype names from logs', () => {
  it('an application-profile invocation whose OpenAI-style body says "model":"constructor" is one row', () => {
    const log = readJson<Record<string, unknown>>(
      `${FIXTURES_DIR}/openai/synthetic-openai-gpt-oss-invoke.json`,
    );
    const hostile: Record<string, unknown> = { ...log, modelId: PROFILE_ARN };
    const output = hostile['output'] as { outputBodyJson: Record<string, unknown> };
    hostile['output'] = { ...output, outputBodyJson: { ...output.outputBodyJson, model: 'constructor' } };
    const row = createNormaliser(config).invocationRow(hostile, {}) as Record<string, unknown>;
    expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
    expect(row['gen_ai_response_model']).toBe('constructor');
    expect(row['normaliser_warnings']).toContain('model_alias_unknown');
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('body model %s is no alias', (name) => {
    const resolved = refineWithBodyModel(resolveModelId(PROFILE_ARN, config), name);
    expect(resolved.model).toBe(name);
    expect(resolved.warnings).toEqual(['model_alias_unknown']);
  });

  it.each(['__proto__', 'constructor', 'toString', 'VALUEOF'])('stop reason %s is "other"', (value) => {
    expect(toFinishReason(value)).toBe('other');
  });

  it('an ARN whose kind is a prototype name is unresolved', () => {
    const resolved = resolveModelId('arn:aws:bedrock:us-east-1:123456789012:constructor/x', config);
    expect(resolved.model).toBeUndefined();
    expect(resolved.profileType).toBe('none');
  });

  it('a mapping table is read by own keys only', () => {
    const mapped = TransformConfigSchema.parse({
      applicationProfiles: { [PROFILE_ARN]: 'amazon.nova-pro-v1:0' },
    });
    expect(resolveModelId(PROFILE_ARN, mapped).model).toBe('amazon.nova-pro-v1:0');
    expect(resolveModelId(`${PROFILE_ARN}/toString`, mapped).model).toBeUndefined();
  });

  it.each(['constructor', 'toString'])('media format %s stays as written', (format) => {
    expect(mimeTypeOf(format)).toBe(format);
  });

  it('a log group named constructor gets the default content settings', () => {
    expect(contentSettingsFor(config, 'constructor')).toEqual(contentSettingsFor(config, 'other-group'));
    expect(contentSettingsFor(config, '__proto__').contentMode).toBe('full');
  });

  it('the demo counts a warning named __proto__ like any other', () => {
    const [summary] = summariseByModel([
      {
        source_type: 'bedrock_invocation_log',
        gen_ai_response_model: 'm',
        normaliser_warnings: '["__proto__","__proto__","constructor"]',
      },
    ]);
    expect(Object.entries(summary?.warnings ?? {})).toEqual([
      ['__proto__', 2],
      ['constructor', 1],
    ]);
  });

  it('`bedrock-o2 constructor` is an unknown command, exit 2', async () => {
    const { io, stderr } = captureIo();
    expect(await main(['constructor'], io)).toBe(2);
    expect(stderr()).toBe('bedrock-o2: unknown command "constructor" (try --help)\n');
  });
});
