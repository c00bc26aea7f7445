import { describe, expect, it } from 'vitest';
import { alertId, pipelineId } from '../../../functions/openobserve/provision-plan.ts';

// Alert and pipeline ids are primary keys across all orgs of a server: two orgs must not share one.
describe('deterministic alert and pipeline ids', () => {
  it('are the same for the same org and name on every run', () => {
    expect(alertId('acme', 'bedrock_error_rate')).toBe(alertId('acme', 'bedrock_error_rate'));
    expect(pipelineId('acme', 'bedrock_invocations')).toBe(pipelineId('acme', 'bedrock_invocations'));
  });

  it('differ between orgs of one server, and between alerts and pipelines', () => {
    expect(alertId('acme', 'bedrock_error_rate')).not.toBe(alertId('other', 'bedrock_error_rate'));
    expect(pipelineId('acme', 'bedrock_invocations')).not.toBe(pipelineId('other', 'bedrock_invocations'));
    expect(alertId('acme', 'x')).not.toBe(pipelineId('acme', 'x'));
  });

  it('are 27-character base62 KSUIDs', () => {
    for (const id of [alertId('o', 'a'), pipelineId('o', 's')]) expect(id).toMatch(/^[0-9A-Za-z]{27}$/);
  });
});
