import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../functions/cli/table.ts';

describe('formatTable', () => {
  it('aligns columns, numbers to the right, with a rule as wide as each column', () => {
    expect(
      formatTable([
        ['model', 'rows', 'note'],
        ['a', 1, 'x'],
        ['bbb', 22, 'longer note'],
      ]),
    ).toBe('model  rows  note\n-----  ----  -----------\na         1  x\nbbb      22  longer note\n');
  });

  it('keeps the rule within 120 characters when the last column holds a long note', () => {
    const note = 'n'.repeat(500);
    const [header, rule, row] = formatTable([
      ['kind', 'name', 'note'],
      ['stream', 'bedrock_invocations', note],
    ]).split('\n');
    expect(header).toBe('kind    name                 note');
    expect(rule).toHaveLength(120);
    expect(rule).toMatch(/^-{6} {2}-{19} {2}-+$/);
    expect(row).toBe(`stream  bedrock_invocations  ${note}`);
  });

  it('never makes the last rule shorter than its header', () => {
    const rule = formatTable([
      ['k'.repeat(110), 'long header'],
      ['a', 'b'.repeat(300)],
    ]).split('\n')[1];
    expect(rule).toBe(`${'-'.repeat(110)}  ${'-'.repeat('long header'.length)}`);
  });
});
