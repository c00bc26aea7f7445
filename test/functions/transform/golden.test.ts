import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { priceInvocation } from '../../../functions/transform/pricing/price-invocation.ts';
import { PROVIDERS } from '../../../functions/transform/providers/index.ts';
import { createNormaliser } from '../../../functions/transform/row/normalise.ts';
import { TransformConfigSchema } from '../../../schemas/config.ts';
import { InvocationRowSchema } from '../../../schemas/invocation-row.ts';
import { allFixtures, FIXTURES_DIR, GOLDEN_DIR } from '../../helpers/fixtures.ts';

// Goldens are the normalised row of each fixture, as files (vitest -u regenerates them on purpose only).
// "now" sits one minute after each invocation so the ingest-window warning does not depend on the day.
const config = TransformConfigSchema.parse({});

function rowFor(log: Record<string, unknown>): Record<string, unknown> {
  const eventTime = Date.parse(String(log['timestamp']));
  const normaliser = createNormaliser(config, { nowMs: () => eventTime + 60_000 });
  return normaliser.invocationRow(log, {
    logSource: 'cloudwatch_logs',
    logGroup: 'bedrock/model-invocations',
    logStream: 'aws/bedrock/modelinvocations',
    eventId: '38000000000000000000000000000000000000000000000001',
    eventTimestampMs: eventTime + 1000,
  }) as Record<string, unknown>;
}

describe('normalised rows of every fixture', () => {
  it.each(allFixtures().map((f) => [`${f.normaliser}/${f.name}`, f] as const))(
    '%s',
    async (_label, fixture) => {
      const row = rowFor(fixture.log);
      expect(InvocationRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
      expect(row['normaliser']).toBe(fixture.normaliser);
      const stable = { ...row, forwarder_version: '<version>' };
      await expect(`${JSON.stringify(stable, null, 2)}\n`).toMatchFileSnapshot(
        join(GOLDEN_DIR, 'normalised', fixture.normaliser, `${fixture.name}.json`),
      );
    },
  );
});

describe('priceRequest', () => {
  it.each(allFixtures().map((f) => [`${f.normaliser}/${f.name}`, f] as const))(
    '%s: pricing the log alone gives the row’s cost',
    (_label, fixture) => {
      const row = rowFor(fixture.log);
      const result = priceInvocation(createNormaliser(config).priceRequest(fixture.log));
      expect(result.costUsd).toBe(row['gen_ai_usage_cost_usd']);
      expect(result.status).toBe(row['aws_bedrock_cost_status']);
    },
  );
});

describe('provider registry', () => {
  it.each(PROVIDERS.filter((p) => p.id !== 'generic').map((p) => [p.id] as const))(
    '%s has fixtures and goldens',
    (id) => {
      const fixtures = join(FIXTURES_DIR, id);
      expect(existsSync(fixtures) && readdirSync(fixtures).some((f) => f.endsWith('.json'))).toBe(true);
      const goldens = join(GOLDEN_DIR, 'normalised', id);
      expect(existsSync(goldens) && readdirSync(goldens).some((f) => f.endsWith('.json'))).toBe(true);
    },
  );

  it('ids are unique and generic is last', () => {
    const ids = PROVIDERS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.at(-1)).toBe('generic');
  });
});
