import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { captureIo } from '../../helpers/cli.ts';

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

  it('--version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const { io, stdout } = captureIo();
    expect(await main(['--version'], io)).toBe(0);
    expect(stdout()).toBe(`${version}\n`);
  });
});
