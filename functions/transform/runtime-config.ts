import { parseConfig, type TransformConfig, TransformConfigSchema } from '../../schemas/transform-config.ts';

/** BEDROCK_O2_CONFIG (JSON) → validated config, once at cold start. Absent means all defaults. */
export const CONFIG_ENV = 'BEDROCK_O2_CONFIG';

export function loadTransformConfig(env: Readonly<Record<string, string | undefined>>): TransformConfig {
  const raw = env[CONFIG_ENV];
  let value: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${CONFIG_ENV} is not valid JSON: ${(error as Error).message}`);
    }
  }
  return parseConfig(TransformConfigSchema, value, CONFIG_ENV);
}
