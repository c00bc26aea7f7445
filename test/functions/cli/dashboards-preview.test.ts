import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { DEFAULT_ASSET_OPTIONS, loadAssets } from '../../../functions/openobserve/assets.ts';
import { panelsOf } from '../../../functions/openobserve/panels.ts';
import { renderPreviewPage } from '../../../functions/openobserve/preview-page.ts';
import { captureIo } from '../../helpers/cli.ts';
import { transformedRows } from '../../helpers/o2-rows.ts';

const panelCount = loadAssets(DEFAULT_ASSET_OPTIONS).dashboards.reduce(
  (n, d) => n + panelsOf(d.body).length,
  0,
);

async function rowFiles(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'o2-preview-'));
  const rows = await transformedRows();
  writeFileSync(join(dir, 'inv.ndjson'), rows.invocations.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeFileSync(join(dir, 'met.ndjson'), rows.metrics.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return dir;
}

describe('bedrock-o2 dashboards preview', () => {
  it('runs every panel over the rows and writes one page of SVG charts', async () => {
    const dir = await rowFiles();
    const { io, stdout } = captureIo({ cwd: dir });
    expect(
      await main(['dashboards', 'preview', '--rows', 'inv.ndjson', '--rows', 'met.ndjson', '--out', 'p'], io),
    ).toBe(0);
    expect(stdout()).toContain(`5 dashboards, ${panelCount} of ${panelCount} panels ran`);
    const html = readFileSync(join(dir, 'p', 'index.html'), 'utf8');
    expect(html.match(/<section class="panel"/g)).toHaveLength(panelCount);
    expect(html).not.toContain('Query failed');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThan(15);
    expect(html).toContain('Bedrock: Pipeline health');
  });

  it('shows a failing panel as an error with its SQL, and exits 1', async () => {
    const dir = await rowFiles();
    const { io, stdout, stderr } = captureIo({ cwd: dir });
    const args = [
      'dashboards',
      'preview',
      '--rows',
      'inv.ndjson',
      '--rows',
      'met.ndjson',
      '--var',
      'tpm_quota=oops',
      '--json',
    ];
    expect(await main(args, io)).toBe(1);
    const summary = JSON.parse(stdout()) as {
      panels: { panel: string; ok: boolean; error: string | null }[];
    };
    const failed = summary.panels.filter((p) => !p.ok);
    expect(failed.map((p) => p.panel)).toEqual(['Busiest minute as % of quota, by model']);
    expect(failed[0]?.error).toMatch(/^execute: .*oops/);
    const html = readFileSync(join(dir, 'out/preview/index.html'), 'utf8');
    const section = html.slice(html.indexOf('Busiest minute as % of quota'));
    expect(section.slice(0, section.indexOf('</section>'))).toMatch(
      /Query failed[\s\S]*<summary>SQL<\/summary>/,
    );
    expect(stderr()).toBe('');
  });

  it('renders an empty result as "no data", never as an empty chart', () => {
    const [panel] = panelsOf(loadAssets(DEFAULT_ASSET_OPTIONS).dashboards[0]?.body ?? {});
    if (panel === undefined) throw new Error('no panel');
    const html = renderPreviewPage({
      generatedAt: 'now',
      source: 'test',
      dashboards: [
        {
          title: 'T',
          description: '',
          outcomes: [{ ok: true, panel, sql: panel.sql, result: { columns: [], rows: [] } }],
        },
      ],
    });
    expect(html).toContain('No data in these rows');
    expect(html).not.toContain('<svg');
  });

  it('without --rows, reads the demo output and says what to do when there is none', async () => {
    const { io, stderr } = captureIo({ cwd: mkdtempSync(join(tmpdir(), 'o2-preview-')) });
    expect(await main(['dashboards', 'preview'], io)).toBe(2);
    expect(stderr()).toMatch(/no rows in out\/demo: run 'npm run demo' first, or pass --rows FILE/);
  });

  it('rejects rows that are not NDJSON objects with the file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o2-preview-'));
    writeFileSync(join(dir, 'bad.ndjson'), '{"a":1}\n[1,2]\n');
    const { io, stderr } = captureIo({ cwd: dir });
    expect(await main(['dashboards', 'preview', '--rows', 'bad.ndjson'], io)).toBe(2);
    expect(stderr()).toContain('bad.ndjson:2: expected one JSON object per line');
  });

  it('has --help and is listed in the main usage', async () => {
    const { io, stdout } = captureIo();
    expect(await main(['dashboards', 'preview', '--help'], io)).toBe(0);
    expect(stdout()).toContain('Usage: bedrock-o2 dashboards preview');
    const usage = captureIo();
    await main(['--help'], usage.io);
    expect(usage.stdout()).toMatch(/dashboards\s+preview the bundled OpenObserve dashboards/);
  });

  it('--out naming a file, or a path under a file: one line naming the file, exit 2, before any work', async () => {
    const dir = await rowFiles();
    writeFileSync(join(dir, 'taken'), 'x');
    for (const out of ['taken', 'taken/sub']) {
      const { io, stderr, stdout } = captureIo({ cwd: dir });
      expect(await main(['dashboards', 'preview', '--rows', 'nowhere.ndjson', '--out', out], io)).toBe(2);
      expect(stderr()).toBe(
        `bedrock-o2 dashboards: --out: ${join(dir, 'taken')} is a file, not a directory\n`,
      );
      expect(stdout()).toBe('');
    }
  });

  it('refuses extra arguments with one line and exit 2', async () => {
    const dir = await rowFiles();
    const { io, stderr } = captureIo({ cwd: dir });
    expect(await main(['dashboards', 'preview', '--rows', 'inv.ndjson', 'foo', 'bar'], io)).toBe(2);
    expect(stderr()).toBe(
      `bedrock-o2 dashboards: unexpected argument "foo" (see 'bedrock-o2 dashboards preview --help')\n`,
    );
  });
});
