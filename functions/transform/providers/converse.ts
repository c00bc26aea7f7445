import { asCount, asNumber, asObject, asString, pick } from '../json-access.ts';
import { messageOf, messagesOf, systemParts } from './formats/converse-content.ts';
import type { Provider, ProviderFields, ProviderInput } from './provider.ts';

/**
 * Converse and ConverseStream, for every vendor. Bedrock logs ConverseStream already assembled, in the
 * Converse response shape, so both operations read the same way.
 */

const CONVERSE_OPERATIONS: ReadonlySet<string> = new Set(['Converse', 'ConverseStream']);

export const converse: Provider = {
  id: 'converse',
  vendors: [],
  accepts: (input) => input.operation !== undefined && CONVERSE_OPERATIONS.has(input.operation),
  normalise,
};

function normalise(input: ProviderInput): ProviderFields {
  const request = asObject(input.inputBody);
  const response = asObject(input.outputBody);
  const inferenceConfig = asObject(request?.['inferenceConfig']);
  const additional = asObject(request?.['additionalModelRequestFields']);
  const usage = asObject(response?.['usage']);
  const stopReason = asString(response?.['stopReason']);
  const guardrailTrace = pick(response, 'trace', 'guardrail');
  const outputMessage = asObject(pick(response, 'output', 'message'));

  return {
    operationName: 'chat',
    system: request === undefined ? undefined : systemParts(request['system']),
    input: request === undefined ? undefined : messagesOf(request['messages']),
    output: outputMessage === undefined ? undefined : [messageOf(outputMessage, 'assistant')],
    usage:
      usage === undefined
        ? undefined
        : {
            inputTokens: asCount(usage['inputTokens']),
            outputTokens: asCount(usage['outputTokens']),
            cacheReadTokens: asCount(usage['cacheReadInputTokens']),
            cacheWriteTokens: asCount(usage['cacheWriteInputTokens']),
          },
    stopReason,
    bodyModel: asString(pick(response, 'trace', 'promptRouter', 'invokedModelId')),
    maxTokens: asCount(inferenceConfig?.['maxTokens']),
    temperature: asNumber(inferenceConfig?.['temperature']),
    topP: asNumber(inferenceConfig?.['topP']),
    topK: asCount(
      additional?.['top_k'] ?? additional?.['topK'] ?? pick(additional, 'inferenceConfig', 'topK'),
    ),
    latencyMs: asNumber(pick(response, 'metrics', 'latencyMs')),
    guardrailAction:
      stopReason === 'guardrail_intervened'
        ? 'INTERVENED'
        : asObject(guardrailTrace) !== undefined
          ? 'NONE'
          : undefined,
  };
}
