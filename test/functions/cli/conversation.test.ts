import { readFileSync } from 'node:fs';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { keyColumn, runConversation } from '../../../functions/cli/conversation.ts';
import { main } from '../../../functions/cli/main.ts';
import { captureIo } from '../../helpers/cli.ts';
import { useMswServer } from '../../helpers/msw.ts';
import { O2_ENV, O2_URL } from '../../helpers/replay.ts';

const server = useMswServer();
// A _search answer in the server's shape (openobserve-contract.md §10), written by hand, not captured:
// three turns, out of order, one of them twice (a replayed duplicate).
const RECORDED = readFileSync(
  new URL('../../fixtures/openobserve/synthetic-conversation-search.json', import.meta.url),
  'utf8',
);
const NOW = Date.parse('2026-11-30T00:00:00Z');

function answerWith(body: string) {
  const requests: { sql: string; start_time: number; end_time: number; from: number; size: number }[] = [];
  server.use(
    http.post(`${O2_URL}/api/default/_search`, async ({ request }) => {
      const query = ((await request.json()) as { query: (typeof requests)[number] }).query;
      requests.push(query);
      return new HttpResponse(query.from === 0 ? body : JSON.stringify({ hits: [], total: 0 }), {
        headers: { 'Content-Type': 'application/json' },
      });
    }),
  );
  return requests;
}

async function conversation(args: string[]) {
  const { io, stdout, stderr } = captureIo({ env: O2_ENV });
  const code = await runConversation(args, io, { nowMs: () => NOW, sleep: async () => {} });
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('conversation', () => {
  it('counts a single turn as "1 turn"', async () => {
    const answer = JSON.parse(RECORDED) as { hits: Record<string, unknown>[]; total: number };
    answerWith(JSON.stringify({ ...answer, hits: answer.hits.slice(0, 1), total: 1 }));
    const result = await conversation(['conv-42']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(
      /^conversation conv-42 \(gen_ai_conversation_id\): 1 turn, \$/,
    );
  });

  it('prints the turns in time order, once each, with model, tokens, cost and latency, then the chat', async () => {
    const requests = answerWith(RECORDED);
    const result = await conversation(['conv-42']);

    expect(result.code).toBe(0);
    expect(requests[0]?.sql).toBe(
      `SELECT * FROM "bedrock_invocations" WHERE gen_ai_conversation_id = 'conv-42' ORDER BY _timestamp ASC, aws_request_id ASC`,
    );
    expect(requests[0]?.end_time).toBe(NOW * 1000);
    expect(requests[0]?.start_time).toBe((NOW - 7 * 86_400_000) * 1000);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('conversation conv-42 (gen_ai_conversation_id): 3 turns, $0.001160');
    const turnLines = lines.filter((line) => /^\d+\s+2026-11-29/.test(line));
    expect(turnLines).toHaveLength(3);
    expect(turnLines[0]).toMatch(
      /^1\s+2026-11-29 10:00:00\s+anthropic\.claude-3-5-haiku-20241022-v1:0\s+301\s+42\s+0\.000409\s+1642\s+success$/,
    );
    expect(turnLines[2]).toMatch(/^3\s+2026-11-29 10:02:10 .* 412\s+18\s+0\.000402\s+811\s+success$/);
    const chat = result.stdout.slice(result.stdout.indexOf('chat as of the newest turn'));
    const order = [
      '[system]',
      'Where is order 88412?',
      '[tool call get_order_status({"order_id":"88412"})]',
      '[tool result {"status":"shipped"}]',
      'Order 88412 has shipped.',
      'When will it arrive?',
      'It should arrive on Thursday.',
    ];
    const positions = order.map((text) => chat.indexOf(text));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('says so, and exits 1, when OpenObserve answered for less than the range (max_query_range)', async () => {
    const shortened = JSON.parse(RECORDED) as Record<string, unknown>;
    shortened['function_error'] = 'Query duration is modified due to query range restriction of 24 hours';
    answerWith(JSON.stringify(shortened));
    const result = await conversation(['conv-42']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('conversation conv-42 (gen_ai_conversation_id): 3 turns');
    expect(result.stderr).toMatch(
      /answered for less than the range asked \(Query duration is modified.*\); turns may be missing/,
    );

    answerWith(JSON.stringify({ ...JSON.parse(RECORDED), is_partial: true }));
    const partial = await conversation(['conv-42']);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain('(is_partial)');
  });

  it('--json gives the turns and the transcript', async () => {
    answerWith(RECORDED);
    const result = await conversation(['conv-42', '--json']);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.turns.map((turn: { request_id: string }) => turn.request_id)).toEqual([
      'req-1',
      'req-2',
      'req-3',
    ]);
    expect(parsed.turns[0]).toMatchObject({
      model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      input_tokens: 301,
      cost_usd: 0.000409,
      latency_ms: 1642,
    });
    expect(parsed.transcript.at(-1)).toEqual({ role: 'assistant', text: 'It should arrive on Thursday.' });
    expect(parsed.transcript[0].role).toBe('system');
  });

  it('reads every turn of a conversation longer than a page, turns of the same second included', async () => {
    // Bedrock stamps logs to the second: turns that share one straddle a page boundary. The server pages in
    // the order asked and orders rows of equal time any way it likes (here: differently on every other page).
    const template = (JSON.parse(RECORDED) as { hits: Record<string, unknown>[] }).hits[0] ?? {};
    const rows = Array.from({ length: 600 }, (_, i) => ({
      ...template,
      aws_request_id: `turn-${String(i).padStart(3, '0')}`,
      _timestamp: (NOW - 86_400_000 + Math.floor(i / 3) * 1000) * 1000,
    }));
    let request = 0;
    server.use(
      http.post(`${O2_URL}/api/default/_search`, async ({ request: asked }) => {
        const { sql, from, size } = (
          (await asked.json()) as { query: { sql: string; from: number; size: number } }
        ).query;
        const byId = sql.endsWith('ORDER BY _timestamp ASC, aws_request_id ASC');
        const ties = request++ % 2 === 0 || byId ? [...rows] : [...rows].reverse();
        const ordered = ties.sort(
          (a, b) =>
            a._timestamp - b._timestamp || (byId ? a.aws_request_id.localeCompare(b.aws_request_id) : 0),
        );
        return HttpResponse.json({ took: 1, hits: ordered.slice(from, from + size), total: rows.length });
      }),
    );
    const result = await conversation(['conv-42', '--json']);
    expect(result.code).toBe(0);
    const turns = (JSON.parse(result.stdout) as { turns: { request_id: string }[] }).turns;
    expect(new Set(turns.map((turn) => turn.request_id)).size).toBe(600);
  });

  it('--key takes a promoted metadata key; ids are SQL string literals, quotes doubled', async () => {
    const requests = answerWith(RECORDED);
    await conversation([
      "it's-7",
      '--key',
      'session_id',
      '--from',
      '2026-11-29T00:00:00Z',
      '--to',
      '2026-11-29T23:00:00Z',
    ]);
    expect(requests[0]?.sql).toBe(
      `SELECT * FROM "bedrock_invocations" WHERE aws_bedrock_request_metadata_session_id = 'it''s-7' ORDER BY _timestamp ASC, aws_request_id ASC`,
    );
    expect(requests[0]?.start_time).toBe(Date.parse('2026-11-29T00:00:00Z') * 1000);
  });

  it('says so when there are no rows', async () => {
    answerWith(JSON.stringify({ took: 1, hits: [], total: 0, from: 0, size: 0 }));
    const result = await conversation(['nobody']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^no rows with gen_ai_conversation_id = "nobody" between /);
  });

  it.each([
    ['Session-Id', 'aws_bedrock_request_metadata_session_id'],
    ['gen_ai_conversation_id', 'gen_ai_conversation_id'],
    ['aws_bedrock_request_metadata_team', 'aws_bedrock_request_metadata_team'],
    ['x; DROP TABLE', 'aws_bedrock_request_metadata_x__drop_table'],
  ])('keyColumn(%j) → %s', (key, column) => {
    expect(keyColumn(key)).toBe(column);
  });

  it('needs an id and OPENOBSERVE_URL (one line, exit 2)', async () => {
    const none = captureIo({ env: O2_ENV });
    expect(await main(['conversation'], none.io)).toBe(2);
    expect(none.stderr()).toBe('bedrock-o2 conversation: expected exactly one conversation id\n');
    const unset = captureIo({ env: {} });
    expect(await main(['conversation', 'conv-42'], unset.io)).toBe(2);
    expect(unset.stderr()).toMatch(/^bedrock-o2 conversation: OPENOBSERVE_URL is not set/);
  });

  it('a 200 answer without hits is an error (exit 1, one line), not "no rows"', async () => {
    answerWith('{}');
    const result = await conversation(['conv-42']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/search answered HTTP 200 without a "hits" list/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('403 says the role lacks the search permission, not that the credentials were refused', async () => {
    server.use(
      http.post(`${O2_URL}/api/default/_search`, () => new HttpResponse('Forbidden', { status: 403 })),
    );
    const { io, stderr } = captureIo({ env: O2_ENV });
    expect(await main(['conversation', 'conv-42'], io)).toBe(2);
    expect(stderr()).toMatch(
      /OpenObserve denied search in org default \(HTTP 403\): the user's role lacks the search permission/,
    );
    expect(stderr()).not.toMatch(/OPENOBSERVE_USER/);
  });

  it('a server that keeps failing: three attempts, each retry said on stderr, then exit 1', async () => {
    let calls = 0;
    server.use(
      http.post(`${O2_URL}/api/default/_search`, () => {
        calls++;
        return new HttpResponse('busy', { status: 503 });
      }),
    );
    const result = await conversation(['conv-42']);
    expect(result.code).toBe(1);
    expect(calls).toBe(3);
    expect(result.stderr.match(/HTTP 503: busy; retrying in [\d.]+ s \(attempt \d of 3\)/g)).toHaveLength(2);
    expect(result.stderr).toMatch(/did not answer after 3 attempts/);
  });
});
