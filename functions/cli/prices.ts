import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransformConfig } from '../../schemas/config.ts';
import {
  type ExplainedPrice,
  explainInvocation,
  type PriceLine,
  type QuotedRates,
  ratesOf,
} from '../transform/pricing/explain.ts';
import {
  type PriceRequest,
  type PriceResult,
  quotePrice,
  roundCost,
} from '../transform/pricing/price-invocation.ts';
import { type ResolvedModel, refineWithBodyModel, resolveModelId } from '../transform/row/model-id.ts';
import { createNormaliser, type Normaliser } from '../transform/row/normalise.ts';
import { parseCommandArgs } from './args.ts';
import { loadCliConfig, parseUserJson, readUserFile } from './files.ts';
import { type CliIo, EXIT_INCOMPLETE, EXIT_OK, UsageError } from './io.ts';
import { formatTable } from './table.ts';

export const PRICES_HELP = `Usage: bedrock-o2 prices check [--json] [--config FILE] [PATH…]
       bedrock-o2 prices explain [--json] [--config FILE] FILE

  check    lists every model id seen in rows or invocation logs with its resolved model, tier, price per
           million tokens (input, cache read, cache write, output), per image, source and status; flags the
           unpriced ones. Run it before trusting a cost dashboard.
  explain  shows the arithmetic behind one row's cost and whether it matches the row.

Run 'bedrock-o2 prices check --help' or 'bedrock-o2 prices explain --help' for details.
`;

export const CHECK_HELP = `Usage: bedrock-o2 prices check [--json] [--config FILE] [PATH…]

Reads every PATH (file or directory, searched recursively; default: the bundled samples, test/fixtures/bedrock in the package, wherever it runs):
  *.ndjson, *.jsonl (optionally .gz)  rows as the transform writes them (gen_ai_request_model, cloud_region)
  *.json (optionally .gz)             one ModelInvocationLog record, one row, or an array of either
Each model id as called is resolved (profile prefixes, ARNs; application profiles through --config) and
priced at the newest invocation time seen for it.

Options:
  --json         print one JSON object instead of the table
  --config FILE  transform configuration: JSON as BEDROCK_O2_CONFIG, or the deployment file or
                 cdk.json (the region in AWS_REGION); default: the BEDROCK_O2_CONFIG env var
  -h, --help     show this help

Exit codes: 0 every model priced, 1 some model unpriced, 2 usage error or nothing to check.
`;

export const EXPLAIN_HELP = `Usage: bedrock-o2 prices explain [--json] [--config FILE] FILE

FILE is one row (a JSON object, or the first line of an .ndjson/.jsonl file, optionally .gz) or one
ModelInvocationLog record. Prints each line of the arithmetic (tokens × rate, cache reads and writes at
their own rates, images), multipliers and discounts, the total, and whether it matches the row's
gen_ai_usage_cost_usd.

Options:
  --json         print one JSON object instead of the text
  --config FILE  transform configuration: JSON as BEDROCK_O2_CONFIG, or the deployment file or
                 cdk.json (the region in AWS_REGION); default: the BEDROCK_O2_CONFIG env var
  -h, --help     show this help

Exit codes: 0 priced (and equal to the row's cost), 1 unpriced or different from the row, 2 usage error.
`;

/** The bundled samples, found from this file (as demo does), so the default does not depend on the cwd. */
const DEFAULT_CHECK_PATH = fileURLToPath(new URL('../../test/fixtures/bedrock', import.meta.url));
const ROW_FILE = /\.(ndjson|jsonl)(\.gz)?$/;
const JSON_FILE = /\.json(\.gz)?$/;

export async function runPrices(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    throw new UsageError(`missing subcommand; see 'bedrock-o2 prices --help'`);
  }
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(PRICES_HELP);
    return EXIT_OK;
  }
  if (sub === 'check') return runCheck(rest, io);
  if (sub === 'explain') return runExplain(rest, io);
  throw new UsageError(`unknown subcommand "${sub}" (expected check or explain)`);
}

const OPTIONS = {
  json: { type: 'boolean', default: false },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

// ---------------------------------------------------------------------------------------------------------
// Reading invocations from rows and ModelInvocationLog records
// ---------------------------------------------------------------------------------------------------------

/** What `check` and `explain` need from one invocation, whichever form it came in. */
interface Invocation {
  readonly modelId: string | undefined;
  /** A row's gen_ai_response_model: resolves application profiles the body named. */
  readonly responseModel: string | undefined;
  readonly region: string | undefined;
  readonly timestampMs: number;
  readonly request: Omit<PriceRequest, 'model' | 'region' | 'timestampMs'>;
  /** What a row says it cost (rows only). */
  readonly rowCost:
    | { readonly costUsd?: number; readonly status?: string; readonly source?: string }
    | undefined;
  readonly requestId: string | undefined;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

const OPERATIONS = ['chat', 'text_completion', 'embeddings', 'generate_content'] as const;
type Operation = (typeof OPERATIONS)[number];
const asOperation = (value: unknown): Operation | undefined =>
  OPERATIONS.find((operation) => operation === value);
const asImageQuality = (value: unknown): 'standard' | 'premium' | undefined =>
  value === 'standard' || value === 'premium' ? value : undefined;

function invocationTimeMs(eventTime: string | undefined, microseconds: number | undefined): number {
  const parsed = eventTime === undefined ? Number.NaN : Date.parse(eventTime);
  if (parsed > 0) return parsed;
  return microseconds === undefined ? Number.NaN : microseconds / 1000;
}

function invocationFromRow(row: Json): Invocation {
  const microseconds = num(row['_timestamp']);
  const eventTime = str(row['aws_bedrock_event_time']);
  const costUsd = num(row['gen_ai_usage_cost_usd']);
  const status = str(row['aws_bedrock_cost_status']);
  const source = str(row['aws_bedrock_price_source']);
  const width = num(row['aws_bedrock_image_width']);
  const height = num(row['aws_bedrock_image_height']);
  const failed = str(row['error_type']) !== undefined;
  return {
    modelId: str(row['gen_ai_request_model']),
    responseModel: str(row['gen_ai_response_model']),
    region: str(row['cloud_region']),
    // The invocation's own time priced the row; _timestamp may have been moved (demo, replay).
    timestampMs: invocationTimeMs(eventTime, microseconds),
    request: {
      operationName: asOperation(row['gen_ai_operation_name']) ?? 'chat',
      // As the transform prices a failed call: the zero tokens it used, so a known model shows $0.
      inputTokens: num(row['gen_ai_usage_input_tokens']) ?? (failed ? 0 : undefined),
      outputTokens: num(row['gen_ai_usage_output_tokens']) ?? (failed ? 0 : undefined),
      cacheReadTokens: num(row['gen_ai_usage_cache_read_input_tokens']),
      cacheWriteTokens: num(row['gen_ai_usage_cache_creation_input_tokens']),
      imageCount: num(row['aws_bedrock_image_count']),
      embeddingCount: num(row['aws_bedrock_embedding_count']),
      imageSize: width === undefined || height === undefined ? undefined : { width, height },
      imageQuality: asImageQuality(row['aws_bedrock_image_quality']),
    },
    rowCost: {
      ...(costUsd === undefined ? {} : { costUsd }),
      ...(status === undefined ? {} : { status }),
      ...(source === undefined ? {} : { source }),
    },
    requestId: str(row['aws_request_id']),
  };
}

/** A ModelInvocationLog priced exactly as the transform prices its row (same provider reading, same rules). */
function invocationFromLog(log: Json, normaliser: Normaliser): Invocation {
  const { model, region, timestampMs, ...request } = normaliser.priceRequest(log);
  return {
    modelId: str(log['modelId']),
    responseModel: model.model,
    region,
    timestampMs,
    request,
    rowCost: undefined,
    requestId: str(log['requestId']),
  };
}

function invocationsFromJson(value: unknown, normaliser: Normaliser): Invocation[] {
  if (Array.isArray(value)) return value.flatMap((item) => invocationsFromJson(item, normaliser));
  if (!isObject(value)) return [];
  if (value['schemaType'] === 'ModelInvocationLog') return [invocationFromLog(value, normaliser)];
  if ('gen_ai_request_model' in value || value['source_type'] === 'bedrock_invocation_log') {
    return [invocationFromRow(value)];
  }
  return [];
}

async function invocationsInFile(path: string, io: CliIo, normaliser: Normaliser): Promise<Invocation[]> {
  const text = (await readUserFile(path)).toString('utf8');
  if (!ROW_FILE.test(path)) return invocationsFromJson(parseUserJson(text, path), normaliser);
  const invocations: Invocation[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      invocations.push(...invocationsFromJson(JSON.parse(line), normaliser));
    } catch {
      io.stderr(`warning: ${path}:${index + 1} is not JSON; skipped\n`);
    }
  }
  return invocations;
}

async function filesUnder(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`cannot read ${path}: no such file or directory`);
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).sort();
  const nested = await Promise.all(names.map((name) => filesUnderIfData(join(path, name))));
  return nested.flat();
}

async function filesUnderIfData(path: string): Promise<string[]> {
  const info = await stat(path);
  if (info.isDirectory()) return filesUnder(path);
  return ROW_FILE.test(path) || JSON_FILE.test(path) ? [path] : [];
}

function resolveInvocationModel(invocation: Invocation, config: TransformConfig): ResolvedModel {
  return refineWithBodyModel(resolveModelId(invocation.modelId, config), invocation.responseModel);
}

// ---------------------------------------------------------------------------------------------------------
// prices check
// ---------------------------------------------------------------------------------------------------------

export interface CheckedModel {
  readonly modelId: string | undefined;
  readonly region: string | undefined;
  readonly invocations: number;
  /** Newest invocation time seen (ISO): the prices shown are the ones in force then. */
  readonly pricedAt: string | undefined;
  readonly resolvedModel: string | undefined;
  readonly profileType: string;
  readonly tier: 'global' | 'regional';
  readonly status: 'priced' | 'override' | 'unpriced';
  readonly source: string | undefined;
  readonly rates: QuotedRates | undefined;
  readonly reason: string | undefined;
}

interface Group {
  readonly invocation: Invocation;
  count: number;
  newestMs: number;
}

function checkGroups(invocations: readonly Invocation[]): Group[] {
  const groups = new Map<string, Group>();
  for (const invocation of invocations) {
    const key = `${invocation.modelId ?? ''}\u0000${invocation.region ?? ''}\u0000${invocation.responseModel ?? ''}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { invocation, count: 1, newestMs: invocation.timestampMs });
    } else {
      group.count += 1;
      if (!(invocation.timestampMs <= group.newestMs)) group.newestMs = invocation.timestampMs;
    }
  }
  return [...groups.values()].sort(
    (a, b) =>
      (a.invocation.modelId ?? '').localeCompare(b.invocation.modelId ?? '') ||
      (a.invocation.region ?? '').localeCompare(b.invocation.region ?? ''),
  );
}

function checkModel(group: Group, config: TransformConfig): CheckedModel {
  const { invocation } = group;
  const model = resolveInvocationModel(invocation, config);
  const quote = quotePrice(model, invocation.region, group.newestMs);
  return {
    modelId: invocation.modelId,
    region: invocation.region,
    invocations: group.count,
    pricedAt: Number.isFinite(group.newestMs) ? new Date(group.newestMs).toISOString() : undefined,
    resolvedModel: model.model,
    profileType: model.profileType,
    tier: quote.tier,
    status: quote.kind === 'package' ? 'priced' : quote.kind === 'override' ? 'override' : 'unpriced',
    source: quote.kind === 'unpriced' ? undefined : quote.source,
    rates: ratesOf(quote),
    reason: quote.kind === 'unpriced' ? quote.reason : undefined,
  };
}

const rateCell = (rate: number | undefined): string | number => (rate === undefined ? '—' : rate);

function imageCell(rates: QuotedRates | undefined): string | number {
  const prices = rates?.perImage?.map((variant) => variant.usd);
  if (prices === undefined || prices.length === 0) return '—';
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  return low === high ? low : `${low}–${high}`;
}

function checkTable(models: readonly CheckedModel[]): string {
  const header = [
    'MODEL ID (AS CALLED)',
    'REGION',
    'RESOLVED MODEL',
    'TIER',
    'IN $/M',
    'CACHE READ $/M',
    'CACHE WRITE $/M',
    'OUT $/M',
    'IMAGE $',
    'STATUS',
    'SOURCE',
  ];
  const rows = models.map((m) => [
    m.modelId ?? '(none)',
    m.region ?? '—',
    m.resolvedModel ?? '(unresolved)',
    m.tier,
    rateCell(m.rates?.inputMtok),
    rateCell(m.rates?.cacheReadMtok),
    rateCell(m.rates?.cacheWriteMtok),
    rateCell(m.rates?.outputMtok),
    imageCell(m.rates),
    m.status === 'unpriced' ? 'UNPRICED' : m.rates?.tiered === true ? `${m.status} (tiered)` : m.status,
    m.source ?? '—',
  ]);
  return formatTable([header, ...rows]);
}

async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS, 'prices check');
  if (values.help) {
    io.stdout(CHECK_HELP);
    return EXIT_OK;
  }
  const config = await loadCliConfig(values.config, io);
  const paths = (positionals.length > 0 ? positionals : [DEFAULT_CHECK_PATH]).map((path) =>
    resolve(io.cwd, path),
  );
  const files = (await Promise.all(paths.map(filesUnder))).flat();
  const normaliser = createNormaliser(config);
  const invocations = (
    await Promise.all(files.map((file) => invocationsInFile(file, io, normaliser)))
  ).flat();
  if (invocations.length === 0) {
    throw new UsageError(
      `no invocation rows or ModelInvocationLog records found in ${positionals.join(' ') || DEFAULT_CHECK_PATH}`,
    );
  }
  const models = checkGroups(invocations).map((group) => checkModel(group, config));
  const unpriced = models.filter((model) => model.status === 'unpriced');
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ files: files.length, invocations: invocations.length, unpriced: unpriced.length, models })}\n`,
    );
  } else {
    io.stdout(checkTable(models));
    io.stdout(
      `\n${models.length} model ids in ${invocations.length} invocations from ${files.length} files; ${unpriced.length} unpriced.\n`,
    );
    for (const model of unpriced) {
      io.stdout(
        `UNPRICED ${model.modelId ?? '(none)'} (${model.region ?? 'no region'}): ${model.reason ?? ''}\n`,
      );
    }
  }
  return unpriced.length > 0 ? EXIT_INCOMPLETE : EXIT_OK;
}

// ---------------------------------------------------------------------------------------------------------
// prices explain
// ---------------------------------------------------------------------------------------------------------

async function firstInvocation(path: string, io: CliIo, normaliser: Normaliser): Promise<Invocation> {
  const text = (await readUserFile(path)).toString('utf8');
  let value: unknown;
  if (ROW_FILE.test(path)) {
    const line = text.split('\n').find((candidate) => candidate.trim() !== '');
    if (line === undefined) throw new UsageError(`${path} is empty`);
    value = parseUserJson(line, `${path}:1`);
  } else {
    value = parseUserJson(text, path);
  }
  const [invocation, ...others] = invocationsFromJson(value, normaliser);
  if (invocation === undefined)
    throw new UsageError(`${path} holds no invocation row or ModelInvocationLog record`);
  if (others.length > 0)
    io.stderr(`note: ${path} holds ${others.length + 1} invocations; explaining the first\n`);
  return invocation;
}

const usd = (value: number): string => `$${roundCost(value)}`;

function lineText(line: PriceLine): string {
  const rate =
    line.rateUsd === undefined
      ? 'tiered rate'
      : line.per === 1
        ? `${usd(line.rateUsd)} per ${line.unit === 'images' ? 'image' : 'embedding'}`
        : `${usd(line.rateUsd)} / 1M`;
  return `  ${line.label.padEnd(28)} ${String(line.quantity).padStart(9)} ${line.unit.padEnd(10)} × ${rate.padEnd(22)} = ${usd(line.costUsd)}`;
}

/** Rows are rounded to 1e-10 USD; anything closer is the same cost. */
const sameCost = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9;

/** Both the cost and the cost status must be what the row says. */
function rowAgreement(invocation: Invocation, result: PriceResult): boolean | undefined {
  const row = invocation.rowCost;
  if (row === undefined) return undefined;
  if (row.status !== undefined && row.status !== result.status) return false;
  if (row.costUsd === undefined) return result.costUsd === undefined;
  return result.costUsd !== undefined && sameCost(row.costUsd, result.costUsd);
}

function headerLines(invocation: Invocation, model: ResolvedModel, tier: string): string[] {
  const when = Number.isFinite(invocation.timestampMs)
    ? new Date(invocation.timestampMs).toISOString()
    : 'time unknown';
  return [
    `Invocation ${invocation.requestId ?? '(no request id)'}: ${invocation.modelId ?? '(no model id)'} from ${invocation.region ?? 'unknown region'} at ${when}`,
    `Model: ${model.model ?? '(unresolved)'} (profile ${model.profileType}, tier ${tier}, priced by ${model.pricingModelId ?? '—'})`,
  ];
}

const AMOUNT_COLUMN = ' '.repeat(88);

function arithmeticLines(result: ExplainedPrice): string[] {
  const explanation = result.explanation;
  if (result.status === 'unpriced') {
    return [
      `UNPRICED: ${explanation?.reason ?? 'no price'}; the row carries no cost and the warning price_missing.`,
    ];
  }
  const matched = explanation.matched === undefined ? '' : `, entry ${explanation.matched}`;
  const out = [`Price: ${result.status} from ${result.source ?? '?'}${matched}`];
  if (explanation.matchedNote !== undefined) out.push(`  (${explanation.matchedNote})`);
  out.push(...explanation.lines.map(lineText));
  if (explanation.subtotalUsd !== undefined)
    out.push(`  subtotal${AMOUNT_COLUMN}${usd(explanation.subtotalUsd)}`);
  for (const adjustment of explanation.adjustments) {
    out.push(`  ${adjustment.kind} ${adjustment.id} × ${adjustment.factor} (${adjustment.note})`);
  }
  out.push(
    `  total   ${AMOUNT_COLUMN}${usd(result.costUsd ?? 0)}  (input ${usd(result.inputCostUsd ?? 0)}, output ${usd(result.outputCostUsd ?? 0)})`,
  );
  if (explanation.packageCalcPriceUsd !== undefined) {
    const same = sameCost(explanation.packageCalcPriceUsd, result.costUsd ?? Number.NaN);
    out.push(
      `calcPrice cross-check: ${usd(explanation.packageCalcPriceUsd)} (${same ? 'matches' : 'DIFFERS'})`,
    );
  }
  return out;
}

function rowLines(invocation: Invocation, matches: boolean | undefined): string[] {
  const row = invocation.rowCost;
  if (row === undefined) return [];
  const cost =
    row.costUsd === undefined ? 'no gen_ai_usage_cost_usd' : `gen_ai_usage_cost_usd ${usd(row.costUsd)}`;
  const verdict = matches === true ? 'matches' : 'DIFFERS';
  return [`Row: ${cost} (${row.status ?? 'no status'}, ${row.source ?? 'no source'}): ${verdict}`];
}

function explainText(
  invocation: Invocation,
  model: ResolvedModel,
  result: ExplainedPrice,
  matches: boolean | undefined,
): string {
  const lines = [
    ...headerLines(invocation, model, result.tier),
    ...arithmeticLines(result),
    ...rowLines(invocation, matches),
  ];
  return `${lines.join('\n')}\n`;
}

async function runExplain(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS, 'prices explain');
  if (values.help) {
    io.stdout(EXPLAIN_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('expects exactly one FILE (see --help)');
  const config = await loadCliConfig(values.config, io);
  const invocation = await firstInvocation(
    resolve(io.cwd, positionals[0] ?? ''),
    io,
    createNormaliser(config),
  );
  const model = resolveInvocationModel(invocation, config);
  const result = explainInvocation({
    ...invocation.request,
    model,
    region: invocation.region,
    timestampMs: invocation.timestampMs,
  });
  const matches = rowAgreement(invocation, result);
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        modelId: invocation.modelId,
        region: invocation.region,
        requestId: invocation.requestId,
        timestamp: Number.isFinite(invocation.timestampMs)
          ? new Date(invocation.timestampMs).toISOString()
          : undefined,
        resolvedModel: model.model,
        result,
        row: invocation.rowCost,
        matchesRow: matches,
      })}\n`,
    );
  } else {
    io.stdout(explainText(invocation, model, result, matches));
  }
  return result.status === 'unpriced' || matches === false ? EXIT_INCOMPLETE : EXIT_OK;
}
