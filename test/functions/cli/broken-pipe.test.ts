import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { endQuietlyOnBrokenPipe } from '../../../functions/cli/process-io.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const NODE = join(REPO, 'node_modules/.bin/node');

describe('output piped into a reader that went away', () => {
  it('transform --rows | head -c 10 ends with exit 0 and no stack trace', () => {
    const result = spawnSync(
      'bash',
      [
        '-c',
        `"${NODE}" bin/bedrock-o2.mjs transform --rows examples/firehose-event.json | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`,
      ],
      { cwd: REPO, encoding: 'utf8' },
    );
    expect(result.stdout.trim()).toBe('rc=0');
    expect(result.stderr).not.toMatch(/EPIPE|at /);
  });

  it('exits 0 on EPIPE and still raises other write errors', () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    endQuietlyOnBrokenPipe(stream, (code) => void exits.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(() => stream.emit('error', Object.assign(new Error('no space'), { code: 'ENOSPC' }))).toThrow(
      'no space',
    );
  });
});
