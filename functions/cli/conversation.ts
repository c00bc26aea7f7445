import {
  isPlainIdentifier,
  OpenObserveApi,
  OpenObserveUnavailable,
  sqlString,
} from '../replay/openobserve-api.ts';
import { parseTimeRange } from '../replay/time-range.ts';
import { METADATA_COLUMN_PREFIX, sanitiseMetadataKey } from '../transform/row/request-metadata.ts';
import { parseCommandArgs } from './args.ts';
import { numberFlag } from './delivery.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_OK, UsageError } from './io.ts';
import { openObserveSettings } from './openobserve.ts';
import { formatTable } from './table.ts';

export const CONVERSATION_HELP = `Usage: bedrock-o2 conversation <id> [--from T] [--to T] [--key KEY] [--json] [options]

Reads the rows of one conversation back from OpenObserve (POST /api/{org}/_search) and prints them as turns
in order, with model, tokens, cost and latency, then the chat as the newest turn holds it (each request
carries the whole conversation so far).

Options:
  --key KEY        the column that ties the turns together (default gen_ai_conversation_id); a promoted
                   metadata key may be given bare (session_id → aws_bedrock_request_metadata_session_id)
  --from T, --to T ISO-8601, a duration back from now (30m, 6h, 7d) or now (default: the last 7 days up to
                   now)
  --stream NAME    OpenObserve stream (default bedrock_invocations)
  --limit N        at most N turns (default 1000)
  --url URL, --org ORG   override OPENOBSERVE_URL, OPENOBSERVE_ORG
  --json           the turns and the transcript as one JSON object
  -h, --help       show this help

Exit codes: 0 the turns were read, 1 OpenObserve could not be read or answered for less than the range
(turns may be missing; a stream's max_query_range shortens searches), 2 usage.
`;

const PAGE = 500;
const TEXT_LIMIT = 4000;

export interface ConversationDeps {
  readonly nowMs?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function runConversation(
  argv: readonly string[],
  io: CliIo,
  deps: ConversationDeps = {},
): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      key: { type: 'string', default: 'gen_ai_conversation_id' },
      stream: { type: 'string', default: 'bedrock_invocations' },
      limit: { type: 'string', default: '1000' },
      url: { type: 'string' },
      org: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    'conversation',
  );
  if (values.help) {
    io.stdout(CONVERSATION_HELP);
    return EXIT_OK;
  }
  const [id, ...extra] = positionals;
  if (id === undefined || id === '' || extra.length > 0)
    throw new UsageError('expected exactly one conversation id');
  const nowMs = (deps.nowMs ?? Date.now)();
  const range = parseTimeRange(values.from ?? '7d', values.to, nowMs);
  const column = keyColumn(values.key);
  if (!isPlainIdentifier(values.stream))
    throw new UsageError(`stream "${values.stream}" must be lower-case letters, digits and _`);
  const limit = numberFlag(values.limit, '--limit', 1, 100_000) ?? 1000;
  const settings = openObserveSettings(io.env, { url: values.url, org: values.org });
  if (settings === undefined)
    throw new UsageError(
      'OPENOBSERVE_URL is not set: set it and OPENOBSERVE_USER + OPENOBSERVE_PASSWORD or OPENOBSERVE_TOKEN',
    );
  // An interactive read: a person is waiting, so a short timeout and few attempts, each retry said on stderr.
  const api = new OpenObserveApi(settings, {
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    maxAttempts: 3,
    timeoutMs: 20_000,
    maxDelayMs: 5_000,
    onRetry: (problem, next, max, waitMs) =>
      io.stderr(`${problem}; retrying in ${(waitMs / 1000).toFixed(1)} s (attempt ${next} of ${max})\n`),
  });
  if (io.stderrIsTty) io.stderr(`searching ${values.stream} at ${api.where} …\n`);

  // Paged, so the order must be total: Bedrock stamps logs to the second, and turns of one second would
  // otherwise be free to move between pages (one read twice, another not at all).
  const sql = `SELECT * FROM "${values.stream}" WHERE ${column} = ${sqlString(id)} ORDER BY _timestamp ASC, aws_request_id ASC`;
  const startUs = (range.fromMs ?? nowMs - 7 * 86_400_000) * 1000;
  const endUs = (range.toMs ?? nowMs) * 1000;
  const rows: Record<string, unknown>[] = [];
  let incomplete: string | undefined;
  try {
    for (let from = 0; rows.length < limit; from += PAGE) {
      const page = await api.search(sql, startUs, endUs, from, Math.min(PAGE, limit - rows.length));
      incomplete ??= page.partial ?? page.notice;
      rows.push(...page.hits);
      if (page.hits.length < PAGE) break;
    }
  } catch (error) {
    if (error instanceof OpenObserveUnavailable) {
      io.stderr(`bedrock-o2 conversation: ${error.message}\n`);
      return EXIT_INCOMPLETE;
    }
    throw error;
  }
  const turns = toTurns(rows);
  if (turns.length === 0)
    io.stderr(
      `no rows with ${column} = ${JSON.stringify(id)} between ${new Date(startUs / 1000).toISOString()} and ${new Date(endUs / 1000).toISOString()}\n`,
    );
  const transcript = transcriptOf(turns.at(-1));
  if (values.json)
    io.stdout(`${JSON.stringify({ key: column, id, turns: turns.map(turnJson), transcript })}\n`);
  else io.stdout(render(column, id, turns, transcript));
  if (incomplete === undefined) return EXIT_OK;
  // A stream's max_query_range shortens a search silently but for this text: say the turns may be fewer.
  io.stderr(
    `warning: OpenObserve answered for less than the range asked (${incomplete}); turns may be missing: narrow --from/--to\n`,
  );
  return EXIT_INCOMPLETE;
}

/** `gen_ai_conversation_id`, a full column name, or a bare metadata key → the column to filter on. */
export function keyColumn(key: string): string {
  if (isPlainIdentifier(key) && (key.startsWith('gen_ai_') || key.startsWith('aws_'))) return key;
  const sanitised = sanitiseMetadataKey(key);
  if (sanitised === '' || /^_+$/.test(sanitised)) throw new UsageError(`--key "${key}" is not a usable key`);
  return `${METADATA_COLUMN_PREFIX}${sanitised}`;
}

interface Turn {
  readonly row: Record<string, unknown>;
  readonly timeUs: number;
}

/** In time order, one per request id (a replayed duplicate shows once). */
function toTurns(rows: readonly Record<string, unknown>[]): Turn[] {
  const seen = new Set<string>();
  const turns: Turn[] = [];
  for (const row of rows) {
    const requestId = row['aws_request_id'];
    if (typeof requestId === 'string') {
      if (seen.has(requestId)) continue;
      seen.add(requestId);
    }
    turns.push({ row, timeUs: Number(row['_timestamp']) });
  }
  return turns.sort((a, b) => eventTime(a) - eventTime(b));
}

/** The invocation's own time (a restamped row keeps it in aws_bedrock_event_time). */
function eventTime(turn: Turn): number {
  const own = turn.row['aws_bedrock_event_time'];
  const ms = typeof own === 'string' ? Date.parse(own) : Number.NaN;
  return Number.isNaN(ms) ? turn.timeUs / 1000 : ms;
}

function turnJson(turn: Turn): object {
  const row = turn.row;
  return {
    time: new Date(eventTime(turn)).toISOString(),
    request_id: row['aws_request_id'],
    model: row['gen_ai_response_model'] ?? row['gen_ai_request_model'],
    input_tokens: row['gen_ai_usage_input_tokens'],
    output_tokens: row['gen_ai_usage_output_tokens'],
    cost_usd: row['gen_ai_usage_cost_usd'],
    latency_ms: row['aws_bedrock_latency_ms'],
    status: row['aws_bedrock_status'],
    input_preview: row['gen_ai_input_preview'],
    output_preview: row['gen_ai_output_preview'],
  };
}

export interface TranscriptEntry {
  readonly role: string;
  readonly text: string;
}

/** System instructions, the input messages and the output of the newest turn. */
export function transcriptOf(turn: Turn | undefined): TranscriptEntry[] {
  if (turn === undefined) return [];
  const row = turn.row;
  const system = parseJson(row['gen_ai_system_instructions']);
  const systemText = Array.isArray(system) ? partsText(system) : '';
  return [
    ...(systemText === '' ? [] : [{ role: 'system', text: systemText }]),
    ...messagesOf(row, 'gen_ai_input_messages', 'gen_ai_input_preview', 'user (preview)'),
    ...messagesOf(row, 'gen_ai_output_messages', 'gen_ai_output_preview', 'assistant (preview)'),
  ];
}

/** A messages field as entries; with content mode preview (no messages stored) the preview is what there is. */
function messagesOf(
  row: Record<string, unknown>,
  field: string,
  previewField: string,
  previewRole: string,
): TranscriptEntry[] {
  const messages = parseJson(row[field]);
  if (!Array.isArray(messages)) {
    const preview = row[previewField];
    return typeof preview === 'string' ? [{ role: previewRole, text: preview }] : [];
  }
  return messages.map((message) => {
    const role = (message as { role?: unknown } | null)?.role;
    const parts = (message as { parts?: unknown } | null)?.parts;
    return {
      role: typeof role === 'string' ? role : 'unknown',
      text: Array.isArray(parts) ? partsText(parts) : '',
    };
  });
}

function partsText(parts: readonly unknown[]): string {
  return parts
    .map((part) => {
      const p = part as {
        type?: unknown;
        content?: unknown;
        name?: unknown;
        arguments?: unknown;
        response?: unknown;
      };
      if (p.type === 'text' && typeof p.content === 'string') return p.content;
      if (p.type === 'reasoning' && typeof p.content === 'string') return `[reasoning] ${p.content}`;
      if (p.type === 'tool_call')
        return `[tool call ${String(p.name)}(${JSON.stringify(p.arguments ?? {})})]`;
      if (p.type === 'tool_call_response') return `[tool result ${JSON.stringify(p.response ?? '')}]`;
      return `[${typeof p.type === 'string' ? p.type : 'part'}]`;
    })
    .join('\n');
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function render(
  column: string,
  id: string,
  turns: readonly Turn[],
  transcript: readonly TranscriptEntry[],
): string {
  if (turns.length === 0) return '';
  const table: (string | number)[][] = [
    ['#', 'time (UTC)', 'model', 'in tok', 'out tok', 'cost USD', 'latency ms', 'status'],
  ];
  let cost = 0;
  turns.forEach((turn, index) => {
    const row = turn.row;
    const turnCost = Number(row['gen_ai_usage_cost_usd']);
    if (Number.isFinite(turnCost)) cost += turnCost;
    table.push([
      index + 1,
      new Date(eventTime(turn)).toISOString().replace('T', ' ').slice(0, 19),
      String(row['gen_ai_response_model'] ?? row['gen_ai_request_model'] ?? '-'),
      numberCell(row['gen_ai_usage_input_tokens']),
      numberCell(row['gen_ai_usage_output_tokens']),
      Number.isFinite(turnCost) ? turnCost.toFixed(6) : '-',
      numberCell(row['aws_bedrock_latency_ms']),
      String(row['aws_bedrock_status'] ?? '-'),
    ]);
  });
  const turnCount = `${turns.length} ${turns.length === 1 ? 'turn' : 'turns'}`;
  const header = `conversation ${id} (${column}): ${turnCount}, $${cost.toFixed(6)}\n\n`;
  const chat = transcript
    .map(
      (entry) =>
        `[${entry.role}]\n${entry.text.length > TEXT_LIMIT ? `${entry.text.slice(0, TEXT_LIMIT)}…` : entry.text}`,
    )
    .join('\n\n');
  return `${header}${formatTable(table)}\nchat as of the newest turn:\n\n${chat}\n`;
}

function numberCell(value: unknown): string | number {
  const number = Number(value);
  return value === undefined || value === null || !Number.isFinite(number) ? '-' : number;
}
