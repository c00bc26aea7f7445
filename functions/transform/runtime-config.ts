import {
  ConfigError,
  parseConfig,
  type TransformConfig,
  TransformConfigSchema,
} from '../../schemas/transform-config.ts';

/** BEDROCK_O2_CONFIG (JSON) → validated config, once at cold start. Absent means all defaults. */
export const CONFIG_ENV = 'BEDROCK_O2_CONFIG';
/** Set by Lambda: the function's memory in MiB. */
export const MEMORY_ENV = 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE';

const MIB = 1024 * 1024;
/**
 * Normalising one record holds its decompressed bytes, their text, the parsed envelope and the record's
 * rows at once: about four times the decompressed size at the peak, on top of the runtime's own ~45 MiB.
 * An eighth of the function's memory per record keeps that peak inside the smallest function (128 MiB →
 * 16 MiB per record). Records are processed one at a time and only each one's encoded output (at most
 * 1,024,000 bytes) is kept, so the bound per record is also what bounds the batch's working memory.
 */
const MEMORY_FRACTION_PER_RECORD = 8;

/** The configured per-record gunzip bound, lowered to what the function's memory can hold. */
export function boundByMemory(config: TransformConfig, memoryMiB: number | undefined): TransformConfig {
  if (memoryMiB === undefined || !(memoryMiB > 0)) return config;
  const bound = Math.max(MIB, Math.floor(memoryMiB / MEMORY_FRACTION_PER_RECORD) * MIB);
  return bound >= config.maxDecompressedBytes ? config : { ...config, maxDecompressedBytes: bound };
}

export function loadTransformConfig(env: Readonly<Record<string, string | undefined>>): TransformConfig {
  const raw = env[CONFIG_ENV];
  let value: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ConfigError(`${CONFIG_ENV} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const memory = env[MEMORY_ENV];
  return boundByMemory(
    parseConfig(TransformConfigSchema, value, CONFIG_ENV),
    memory === undefined ? undefined : Number(memory),
  );
}
