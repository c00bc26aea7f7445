import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../functions/cli/main.ts';
import { captureIo } from '../../helpers/cli.ts';

// A defect inside a command (not a usage error) is one line naming the error type and where, never its
// message (which can quote prompt text), and exit 1; the stack trace only with BEDROCK_O2_DEBUG=1.
vi.mock('../../../functions/cli/prices.ts', () => ({
  runPrices: async (argv: readonly string[]) => {
    // A message of several lines: its second line is not a stack frame and must not be shown as one.
    if (argv[0] === 'explain') throw new TypeError('cannot read this row:\nmy secret prompt');
    throw new TypeError('cannot read "my secret prompt"');
  },
}));

describe('an unexpected error in a command', () => {
  it('is one line without the message, exit 1', async () => {
    const { io, stderr } = captureIo();
    expect(await main(['prices', 'check'], io)).toBe(1);
    expect(stderr()).toMatch(
      /^bedrock-o2 prices: unexpected TypeError at .+; BEDROCK_O2_DEBUG=1 shows the stack trace\n$/,
    );
    expect(stderr()).not.toContain('my secret prompt');
  });

  it('names a stack frame, not the second line of a message of several lines', async () => {
    const { io, stderr } = captureIo();
    expect(await main(['prices', 'explain'], io)).toBe(1);
    expect(stderr()).toMatch(/^bedrock-o2 prices: unexpected TypeError at .+:\d+:\d+\)?; BEDROCK_O2_DEBUG/);
    expect(stderr()).not.toContain('my secret prompt');
  });

  it('is rethrown, stack and all, with BEDROCK_O2_DEBUG=1', async () => {
    const { io } = captureIo({ env: { BEDROCK_O2_DEBUG: '1' } });
    await expect(main(['prices', 'check'], io)).rejects.toThrow(TypeError);
  });
});
