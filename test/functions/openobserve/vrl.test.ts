import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vrl from '@bpinternal/verel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ASSET_OPTIONS,
  type FunctionAsset,
  loadAssets,
} from '../../../functions/openobserve/assets.ts';
import { GOLDEN_DIR } from '../../helpers/fixtures.ts';

/**
 * The VRL functions compile and run in the real VRL engine (the vrl crate as WebAssembly, @bpinternal/verel)
 * on every golden row; their outputs are kept as files under test/fixtures/vrl/<program>/.
 */

const VRL_FIXTURES = fileURLToPath(new URL('../../fixtures/vrl/', import.meta.url));
const CONTENT_FIELDS = [
  'gen_ai_system_instructions',
  'gen_ai_input_messages',
  'gen_ai_output_messages',
  'gen_ai_input_preview',
  'gen_ai_output_preview',
] as const;

const functions = loadAssets(DEFAULT_ASSET_OPTIONS).functions;
const fn = (name: string): FunctionAsset => {
  const found = functions.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no function ${name}`);
  return found;
};
const programName = (f: FunctionAsset) => basename(f.file, '.vrl');
const run = (f: FunctionAsset, row: object) =>
  vrl.execute(f.source, structuredClone(row)).event as Record<string, unknown>;

const goldens = readdirSync(join(GOLDEN_DIR, 'normalised'), { recursive: true })
  .map(String)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({
    name: `${basename(dirname(name))}__${basename(name, '.json')}`,
    row: JSON.parse(readFileSync(join(GOLDEN_DIR, 'normalised', name), 'utf8')) as Record<string, unknown>,
  }));

describe('VRL functions in the real VRL engine', () => {
  it('there are golden rows to run them on', () => expect(goldens.length).toBeGreaterThan(20));

  for (const f of functions) {
    it(`${f.name} compiles without errors`, () => {
      expect(vrl.check(f.source).errors.map(vrl.formatDiagnostic)).toEqual([]);
    });

    describe(`${f.name} on the golden rows`, () => {
      for (const golden of goldens) {
        it(golden.name, async () => {
          const out = run(f, golden.row);
          await expect(`${JSON.stringify(out, null, 2)}\n`).toMatchFileSnapshot(
            join(VRL_FIXTURES, programName(f), `${golden.name}.json`),
          );
        });
      }
    });
  }
});

describe('bedrock_redact_content', () => {
  const redact = fn('bedrock_redact_content');
  const read = (file: string) => JSON.parse(readFileSync(join(VRL_FIXTURES, 'redact-content', file), 'utf8'));

  it('replaces e-mail addresses, phone and card numbers in content and previews, and nothing else', () => {
    expect(run(redact, read('pii.input.json'))).toEqual(read('pii.expected.json'));
  });

  it('no e-mail address survives in any content field, wherever it is put', () => {
    const rows = goldens.map((g) => g.row);
    fc.assert(
      fc.property(
        fc.constantFrom(...rows),
        fc.constantFrom(...CONTENT_FIELDS),
        fc.emailAddress(),
        fc.string({ maxLength: 20 }),
        (row, field, email, around) => {
          const text = `${around} ${email} ${around}`;
          const value = field.endsWith('_preview')
            ? text
            : JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]);
          const out = run(redact, { ...row, [field]: value });
          for (const name of CONTENT_FIELDS) {
            const content = out[name];
            if (typeof content === 'string') expect(content).not.toContain(email);
          }
          expect(String(out[field])).not.toMatch(/[^\s"]@[A-Za-z0-9-]+\.[A-Za-z]{2,}/);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps content JSON parseable', () => {
    for (const { row } of goldens) {
      const out = run(redact, row);
      for (const name of ['gen_ai_system_instructions', 'gen_ai_input_messages', 'gen_ai_output_messages']) {
        if (typeof out[name] === 'string') expect(() => JSON.parse(String(out[name]))).not.toThrow();
      }
    }
  });
});

describe('bedrock_enrich_team', () => {
  const enrich = fn('bedrock_enrich_team');

  it('derives the team from the caller role and the tenant from the account when the caller sent neither', () => {
    const row = goldens.find((g) => g.row['aws_bedrock_caller_role'] === 'support-assistant-lambda')?.row;
    expect(row).toBeDefined();
    const out = run(enrich, { ...row, aws_bedrock_request_metadata_team: undefined });
    expect(out['aws_bedrock_request_metadata_team']).toBe('customer-support');
    expect(out['aws_bedrock_request_metadata_tenant']).toBe('acme-prod');
  });

  it('never overwrites a team or tenant the caller sent, and takes a tenant_id metadata key first', () => {
    const out = run(enrich, {
      aws_bedrock_caller_role: 'support-assistant-lambda',
      aws_bedrock_request_metadata_team: 'payments',
      aws_bedrock_request_metadata_tenant_id: 'globex',
      cloud_account_id: '123456789012',
    });
    expect(out['aws_bedrock_request_metadata_team']).toBe('payments');
    expect(out['aws_bedrock_request_metadata_tenant']).toBe('globex');
  });

  it('falls back to the user name for IAM users and leaves unknown callers alone', () => {
    expect(
      run(enrich, { aws_bedrock_caller_name: 'ci-batch-runner' })['aws_bedrock_request_metadata_team'],
    ).toBe('platform');
    expect(run(enrich, { aws_bedrock_caller_name: 'someone', cloud_account_id: '999999999999' })).toEqual({
      aws_bedrock_caller_name: 'someone',
      cloud_account_id: '999999999999',
    });
  });
});
