import { join } from 'node:path';
import { resolveModelId } from '../../../functions/transform/model-id.ts';
import type { ProviderInput } from '../../../functions/transform/providers/provider.ts';
import { FIXTURES_DIR, readJson } from '../../helpers/fixtures.ts';

/** A fixture's ModelInvocationLog as the provider sees it (what normalise.ts builds from the envelope). */
export function providerInputOf(log: Record<string, unknown>): ProviderInput {
  const operation = typeof log['operation'] === 'string' ? log['operation'] : undefined;
  const modelId = typeof log['modelId'] === 'string' ? log['modelId'] : undefined;
  const resolved = resolveModelId(modelId, { applicationProfiles: {}, modelArns: {} });
  const input = log['input'] as Record<string, unknown> | undefined;
  const output = log['output'] as Record<string, unknown> | undefined;
  return {
    operation,
    streaming: operation?.endsWith('Stream') === true,
    vendor: resolved.vendor,
    model: resolved.model,
    inputBody: input?.['inputBodyJson'],
    outputBody: output?.['outputBodyJson'],
  };
}

/** `fixtureInput('llama', 'meta-llama-invoke')` → the ProviderInput of test/fixtures/bedrock/llama/meta-llama-invoke.json. */
export function fixtureInput(folder: string, name: string): ProviderInput {
  return providerInputOf(readJson<Record<string, unknown>>(join(FIXTURES_DIR, folder, `${name}.json`)));
}

/** The same log with its output offloaded or missing (error records, S3 offload). */
export function inputOnly(input: ProviderInput): ProviderInput {
  return { ...input, outputBody: null };
}

/** The same log as if its model id were an imported/custom ARN: no vendor, matched by shape. */
export function unknownVendor(input: ProviderInput): ProviderInput {
  return { ...input, vendor: 'unknown', model: undefined };
}

/** A stream cut short: every chunk from the one that ends it onwards removed. */
export function truncatedStream(input: ProviderInput, keep: number): ProviderInput {
  const chunks = Array.isArray(input.outputBody) ? input.outputBody : [];
  return { ...input, outputBody: chunks.slice(0, keep) };
}
