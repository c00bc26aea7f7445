import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { captureIo } from '../../helpers/cli.ts';

const EXAMPLE_EVENT = fileURLToPath(new URL('../../../examples/firehose-event.json', import.meta.url));

describe('usage errors are one line on stderr; --help and --version print on stdout', () => {
  it.each([
    [[], 'bedrock-o2: missing command; see bedrock-o2 --help\n'],
    [['prices'], "bedrock-o2 prices: missing subcommand; see 'bedrock-o2 prices --help'\n"],
    [['dashboards'], "bedrock-o2 dashboards: missing subcommand; see 'bedrock-o2 dashboards --help'\n"],
  ])('%j: one line on stderr, nothing on stdout, exit 2', async (argv, line) => {
    const { io, stdout, stderr } = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(stderr()).toBe(line);
    expect(stdout()).toBe('');
  });

  it.each([['--help'], ['prices', '--help'], ['dashboards', '--help']])(
    '%s %s prints the help on stdout with exit 0',
    async (...argv) => {
      const { io, stdout, stderr } = captureIo();
      expect(
        await main(
          argv.filter((a) => a !== undefined),
          io,
        ),
      ).toBe(0);
      expect(stdout()).toMatch(/^Usage: bedrock-o2/);
      expect(stderr()).toBe('');
    },
  );

  it.each([
    [['transform']],
    [['demo']],
    [['dashboards', 'preview']],
    [['provision']],
    [['prices', 'check']],
    [['prices', 'explain']],
    [['replay']],
    [['backfill']],
    [['conversation']],
  ])('%j --help ends with its exit codes, after every option', async (command) => {
    const { io, stdout } = captureIo();
    expect(await main([...command, '--help'], io)).toBe(0);
    const paragraphs = stdout().trimEnd().split('\n\n');
    expect(paragraphs.at(-1)).toMatch(/^Exit codes: 0 .*, 1 .*, 2 /s);
    expect(paragraphs.at(-1)).not.toMatch(/^\s*--/m);
    expect(paragraphs.slice(0, -1).join('\n\n')).not.toContain('Exit codes');
  });

  it('--version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const { io, stdout } = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(stdout()).toBe(`${version}\n`);
  });

  it.each([
    [
      ['transform', '--bogus'],
      "bedrock-o2 transform: unknown option --bogus; see 'bedrock-o2 transform --help'\n",
    ],
    [
      ['prices', 'check', '-x'],
      "bedrock-o2 prices: unknown option -x; see 'bedrock-o2 prices check --help'\n",
    ],
    [
      ['demo', '--stream', '-5h'],
      "bedrock-o2 demo: --stream needs a value (for a value starting with a dash write --stream=VALUE); see 'bedrock-o2 demo --help'\n",
    ],
    [['demo', '--out'], "bedrock-o2 demo: --out needs a value; see 'bedrock-o2 demo --help'\n"],
    [['demo', '--json=yes'], "bedrock-o2 demo: --json takes no value; see 'bedrock-o2 demo --help'\n"],
  ])('%j: the argument parser speaks in one clear line', async (argv, line) => {
    const { io, stderr } = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(stderr()).toBe(line);
  });
});

describe('configuration errors and defaults that do not depend on the working directory', () => {
  it('an invalid --config names the file and the first issue on one line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o2-config-'));
    writeFileSync(join(dir, 'bad.json'), '{"content":{"contentMode":"bogus"}}');
    const { io, stderr } = captureIo({ cwd: dir });
    expect(await main(['transform', '--config', 'bad.json', EXAMPLE_EVENT], io)).toBe(2);
    expect(stderr().split('\n')[0]).toMatch(
      /^bedrock-o2 transform: invalid configuration in bad\.json: content\.contentMode: Invalid option/,
    );
  });

  it('BEDROCK_O2_CONFIG with an invalid regex: one line naming the path, exit 2', async () => {
    const { io, stderr } = captureIo({ env: { BEDROCK_O2_CONFIG: '{"content":{"redact":["("]}}' } });
    expect(await main(['transform', EXAMPLE_EVENT], io)).toBe(2);
    expect(stderr()).toMatch(
      /^bedrock-o2 transform: invalid configuration in BEDROCK_O2_CONFIG: content\.redact\[0\]: not a valid regular expression[^\n]*\n$/,
    );
  });

  it('transform "" is a usage error, not a read of the working directory', async () => {
    const { io, stderr } = captureIo();
    expect(await main(['transform', ''], io)).toBe(2);
    expect(stderr()).toBe(
      'bedrock-o2 transform: FILE is an empty string; name a file, or pass the event on stdin\n',
    );
  });

  it('prices check without PATH reads the bundled samples wherever it runs', async () => {
    const { io, stdout, stderr } = captureIo({ cwd: mkdtempSync(join(tmpdir(), 'o2-prices-')) });
    const code = await main(['prices', 'check', '--json'], io);
    expect(stderr()).not.toContain('cannot read');
    expect([0, 1]).toContain(code);
    expect(stdout()).not.toBe('');
  });
});
