import { createHash } from 'node:crypto';
import type { AlertAsset, AssetSet, DashboardAsset, FunctionAsset } from './assets.ts';
import type {
  AlertSummary,
  DashboardSummary,
  Folder,
  FolderType,
  StoredAlert,
  StoredDashboard,
  StoredFunction,
  StoredPipeline,
  StoredStream,
} from './management-api.ts';
import {
  BEDROCK_FOLDER,
  deterministicKsuid,
  fingerprint,
  isManaged,
  markedDescription,
  markedVrl,
  writtenFingerprint,
} from './ownership.ts';
import type { StreamField, StreamSpec } from './stream-spec.ts';

/**
 * provision's decisions as a pure function of the assets and what the server holds: one step per asset with
 * create / update / unchanged / skipped, the write that carries it out, and a note where a person should know
 * why. Applying the plan (provision-apply.ts) performs exactly the writes listed here.
 */

export interface ProvisionOptions {
  readonly org: string;
  readonly streams: readonly StreamSpec[];
  /** Alert destinations (names); empty: alerts are skipped. */
  readonly destinations: readonly string[];
  /** Attach the functions to their streams through one realtime pipeline per stream. */
  readonly pipelines: boolean;
  /** Rewrite managed dashboards, alerts and pipelines even when their fingerprint is current. */
  readonly force: boolean;
}

export interface StoredDashboardMatch {
  readonly summary: DashboardSummary;
  /** Read only for dashboards carrying the mark (the only ones provision may update). */
  readonly stored?: StoredDashboard;
}

/** What provision read from the server (provision-state.ts); nothing here is changed by planning. */
export interface ServerState {
  readonly folders: Readonly<Partial<Record<FolderType, Folder>>>;
  readonly streams: ReadonlyMap<string, StoredStream | undefined>;
  readonly functions: readonly StoredFunction[];
  readonly pipelines: readonly StoredPipeline[];
  /** Exact title matches inside the Bedrock dashboard folder, per asset title. */
  readonly dashboards: ReadonlyMap<string, readonly StoredDashboardMatch[]>;
  /** The alert stored under each asset's deterministic id, per asset name. */
  readonly alertsById: ReadonlyMap<string, StoredAlert | undefined>;
  readonly alertList: readonly AlertSummary[];
  readonly missingDestinations: readonly string[];
}

export type Action = 'create' | 'update' | 'unchanged' | 'skipped';
export type AssetKind = 'folder' | 'stream' | 'function' | 'pipeline' | 'dashboard' | 'alert';

export type Write =
  | { readonly op: 'create-folder'; readonly type: FolderType }
  | { readonly op: 'create-stream'; readonly spec: StreamSpec; readonly settings: StreamSettingsDiff }
  | {
      readonly op: 'update-stream-settings';
      readonly spec: StreamSpec;
      readonly settings: StreamSettingsDiff;
    }
  | { readonly op: 'create-function' | 'update-function'; readonly name: string; readonly source: string }
  | { readonly op: 'create-pipeline' | 'update-pipeline'; readonly body: Record<string, unknown> }
  | { readonly op: 'create-dashboard'; readonly body: Record<string, unknown> }
  | {
      readonly op: 'update-dashboard';
      readonly id: string;
      readonly hash: string;
      readonly body: Record<string, unknown>;
    }
  | { readonly op: 'create-alert'; readonly id: string; readonly body: Record<string, unknown> }
  | {
      readonly op: 'update-alert';
      readonly id: string;
      /** Where the alert is now (a user may have moved it); undefined when the list does not say. */
      readonly folderId: string | undefined;
      readonly body: Record<string, unknown>;
    };

export interface PlanStep {
  readonly kind: AssetKind;
  readonly name: string;
  readonly action: Action;
  readonly note?: string;
  readonly write?: Write;
}

export interface Plan {
  readonly steps: readonly PlanStep[];
  /** A configuration error that stops provision before anything is written. */
  readonly blocking?: string;
  /** Folder ids already on the server. */
  readonly folderIds: Readonly<Partial<Record<FolderType, string>>>;
}

export interface StreamSettingsDiff {
  readonly fields?: { readonly add: readonly StreamField[]; readonly remove: readonly StreamField[] };
  readonly index_fields?: { readonly add: readonly string[]; readonly remove: readonly string[] };
  readonly bloom_filter_fields?: { readonly add: readonly string[]; readonly remove: readonly string[] };
  readonly full_text_search_keys?: { readonly add: readonly string[]; readonly remove: readonly string[] };
  readonly data_retention?: number;
}

export function planProvision(assets: AssetSet, state: ServerState, options: ProvisionOptions): Plan {
  const folderIds: Partial<Record<FolderType, string>> = {};
  for (const type of ['dashboards', 'alerts'] as const) {
    const id = state.folders[type]?.folderId;
    if (id !== undefined) folderIds[type] = id;
  }
  const duplicate = duplicateKey(assets);
  if (duplicate !== undefined) return { steps: [], folderIds, blocking: duplicate };
  if (state.missingDestinations.length > 0) {
    const names = state.missingDestinations.map((name) => `"${name}"`).join(', ');
    return {
      steps: [],
      folderIds,
      blocking: `alert destination ${names} does not exist in org "${options.org}"; create it in OpenObserve (Management → Alert Destinations) or name an existing one with --alert-destination; nothing was written`,
    };
  }
  const provisionAlerts = options.destinations.length > 0;
  const functionSteps = assets.functions.map((fn) => planFunction(fn, state));
  const steps: PlanStep[] = [
    ...(assets.dashboards.length > 0 ? [planFolder('dashboards', state)] : []),
    ...(provisionAlerts && assets.alerts.length > 0 ? [planFolder('alerts', state)] : []),
    ...options.streams.map((spec) => planStream(spec, state.streams.get(spec.name))),
    ...functionSteps,
    ...planPipelines(assets.functions, functionSteps, state, options),
    ...assets.dashboards.map((dashboard) => planDashboard(dashboard, state, options)),
    ...assets.alerts.map((alert) =>
      provisionAlerts
        ? planAlert(alert, state, options)
        : {
            kind: 'alert' as const,
            name: alert.name,
            action: 'skipped' as const,
            note: 'no --alert-destination given: alerts are not provisioned',
          },
    ),
  ];
  return { steps, folderIds };
}

/** Titles and names are the keys on the server: two assets with one key would overwrite each other. */
function duplicateKey(assets: AssetSet): string | undefined {
  const groups: [string, readonly { key: string; file: string }[]][] = [
    ['dashboard title', assets.dashboards.map((d) => ({ key: d.title, file: d.file }))],
    ['alert name', assets.alerts.map((a) => ({ key: a.name, file: a.file }))],
    ['function name', assets.functions.map((f) => ({ key: f.name, file: f.file }))],
  ];
  for (const [what, items] of groups) {
    const seen = new Map<string, string>();
    for (const { key, file } of items) {
      const first = seen.get(key);
      if (first !== undefined)
        return `${first} and ${file} have the same ${what} "${key}"; nothing was written`;
      seen.set(key, file);
    }
  }
  return undefined;
}

function planFolder(type: FolderType, state: ServerState): PlanStep {
  const name = `${BEDROCK_FOLDER} (${type})`;
  return state.folders[type] === undefined
    ? { kind: 'folder', name, action: 'create', write: { op: 'create-folder', type } }
    : { kind: 'folder', name, action: 'unchanged' };
}

function planStream(spec: StreamSpec, stored: StoredStream | undefined): PlanStep {
  const floats = spec.fields.filter((field) => field.type === 'Float64').map((field) => field.name);
  if (stored === undefined) {
    const settings = settingsDiff(spec, undefined);
    return {
      kind: 'stream',
      name: spec.name,
      action: 'create',
      ...noteOf([
        `${spec.fields.length} typed fields, Float64: ${floats.join(', ')}`,
        describeSettings(settings),
      ]),
      write: { op: 'create-stream', spec, settings },
    };
  }
  const notes: string[] = [];
  const types = new Map((stored.schema ?? []).map((field) => [field.name, field.type]));
  const widened = floats.filter((name) => /^U?Int/.test(types.get(name) ?? ''));
  if (widened.length > 0) {
    notes.push(
      `${widened.join(', ')} stored as integers (rows arrived before provision); OpenObserve widens them to Float64 with the first fractional value`,
    );
  }
  const settings = settingsDiff(spec, stored);
  const changes = describeSettings(settings);
  if (changes === '') return { kind: 'stream', name: spec.name, action: 'unchanged', ...noteOf(notes) };
  return {
    kind: 'stream',
    name: spec.name,
    action: 'update',
    ...noteOf([changes, ...notes]),
    write: { op: 'update-stream-settings', spec, settings },
  };
}

/**
 * Additions only, so index and full-text fields a user added stay; retention changes only when asked for.
 * Declared fields a stream created by its first rows does not have yet are added with their types.
 */
function settingsDiff(spec: StreamSpec, stored: StoredStream | undefined): StreamSettingsDiff {
  const current = stored?.settings;
  const additions = <T>(add: T[]) => (add.length === 0 ? undefined : { add, remove: [] as T[] });
  const missing = (want: readonly string[], have: readonly string[] | undefined) =>
    additions(want.filter((name) => !(have ?? []).includes(name)));
  const known = new Set((stored?.schema ?? []).map((field) => field.name));
  const diff = {
    fields:
      stored === undefined ? undefined : additions(spec.fields.filter((field) => !known.has(field.name))),
    index_fields: missing(spec.indexFields, current?.index_fields),
    bloom_filter_fields: missing(spec.bloomFilterFields, current?.bloom_filter_fields),
    full_text_search_keys: missing(spec.fullTextSearchFields, current?.full_text_search_keys),
    data_retention:
      spec.retentionDays === undefined || current?.data_retention === spec.retentionDays
        ? undefined
        : spec.retentionDays,
  };
  return Object.fromEntries(
    Object.entries(diff).filter(([, value]) => value !== undefined),
  ) as StreamSettingsDiff;
}

function describeSettings(settings: StreamSettingsDiff): string {
  const parts: string[] = [];
  if (settings.fields)
    parts.push(`add typed fields ${settings.fields.add.map((f) => `${f.name}:${f.type}`).join(', ')}`);
  if (settings.index_fields) parts.push(`index ${settings.index_fields.add.join(', ')}`);
  if (settings.bloom_filter_fields) parts.push(`bloom filter ${settings.bloom_filter_fields.add.join(', ')}`);
  if (settings.full_text_search_keys)
    parts.push(`full text ${settings.full_text_search_keys.add.join(', ')}`);
  if (settings.data_retention !== undefined) parts.push(`retention ${settings.data_retention} days`);
  return parts.join('; ');
}

function noteOf(notes: readonly string[]): { note?: string } {
  const text = notes.filter((note) => note !== '').join('; ');
  return text === '' ? {} : { note: text };
}

function planFunction(fn: FunctionAsset, state: ServerState): PlanStep {
  const source = markedVrl(fn.source, fingerprint(fn.source));
  const stored = state.functions.find((candidate) => candidate.name === fn.name);
  if (stored === undefined) {
    return {
      kind: 'function',
      name: fn.name,
      action: 'create',
      write: { op: 'create-function', name: fn.name, source },
    };
  }
  if (!isManaged(stored.function)) {
    return {
      kind: 'function',
      name: fn.name,
      action: 'skipped',
      note: 'a function of this name exists that bedrock-o2 did not create; left alone (rename or delete it to let provision manage it)',
    };
  }
  return stored.function === source
    ? { kind: 'function', name: fn.name, action: 'unchanged' }
    : {
        kind: 'function',
        name: fn.name,
        action: 'update',
        write: { op: 'update-function', name: fn.name, source },
      };
}

function pipelineName(stream: string): string {
  return `bedrock_o2_${stream}`.toLowerCase();
}

function planPipelines(
  functions: readonly FunctionAsset[],
  functionSteps: readonly PlanStep[],
  state: ServerState,
  options: ProvisionOptions,
): PlanStep[] {
  const byStream = new Map<string, FunctionAsset[]>();
  for (const fn of functions) byStream.set(fn.streamName, [...(byStream.get(fn.streamName) ?? []), fn]);
  const steps: PlanStep[] = [];
  for (const [stream, streamFunctions] of byStream) {
    const name = pipelineName(stream);
    const names = streamFunctions.map((fn) => fn.name);
    const skip = (note: string): PlanStep => ({ kind: 'pipeline', name, action: 'skipped', note });
    const id = pipelineId(options.org, stream);
    const onStream = state.pipelines.filter(
      (pipeline) => pipeline.source.source_type === 'realtime' && pipeline.source.stream_name === stream,
    );
    const ours = onStream.find(
      (pipeline) => pipeline.pipeline_id === id || isManaged(pipeline.description ?? undefined),
    );
    if (!options.pipelines) {
      steps.push(
        skip(
          ours === undefined
            ? `not attached: pass --pipeline to run ${names.join(', ')} on every row of ${stream}`
            : 'attached by an earlier --pipeline run and left as it is (the functions it runs are kept current); pass --pipeline to update the pipeline itself',
        ),
      );
      continue;
    }
    const foreignFunctions = names.filter((fnName) =>
      functionSteps.some((step) => step.name === fnName && step.action === 'skipped'),
    );
    if (foreignFunctions.length > 0) {
      steps.push(skip(`not attached: ${foreignFunctions.join(', ')} on the server is not bedrock-o2's`));
      continue;
    }
    const foreign = onStream.find((pipeline) => pipeline !== ours);
    if (ours === undefined && foreign !== undefined) {
      steps.push(
        skip(
          `${stream} already has the realtime pipeline "${foreign.name}", which bedrock-o2 did not create (one per stream); left alone: add ${names.join(', ')} to it by hand`,
        ),
      );
      continue;
    }
    const content = pipelineContent(options.org, stream, name, names);
    const print = fingerprint(content);
    const description = markedDescription(
      `Runs ${names.join(', ')} on every row of ${stream} as it is ingested`,
      print,
    );
    if (ours === undefined) {
      const body = { pipeline_id: id, description, ...content };
      steps.push({ kind: 'pipeline', name, action: 'create', write: { op: 'create-pipeline', body } });
      continue;
    }
    if (writtenFingerprint(ours.description ?? undefined) === print && !options.force) {
      steps.push({ kind: 'pipeline', name, action: 'unchanged' });
      continue;
    }
    const body = { pipeline_id: ours.pipeline_id, version: ours.version, description, ...content };
    steps.push({ kind: 'pipeline', name, action: 'update', write: { op: 'update-pipeline', body } });
  }
  return steps;
}

/** stream → functions in file order → the same stream (openobserve-contract §7). */
function pipelineContent(org: string, stream: string, name: string, functions: readonly string[]) {
  const streamData = { node_type: 'stream', org_id: org, stream_name: stream, stream_type: 'logs' };
  const nodeId = (role: string) => stableUuid(`${stream}:${role}`);
  const nodes = [
    { id: nodeId('source'), io_type: 'input', position: { x: 0, y: 0 }, data: streamData },
    ...functions.map((fn, i) => ({
      id: nodeId(`function:${fn}`),
      io_type: 'default',
      position: { x: 0, y: 120 * (i + 1) },
      data: { node_type: 'function', name: fn, after_flatten: true },
    })),
    {
      id: nodeId('destination'),
      io_type: 'output',
      position: { x: 0, y: 120 * (functions.length + 1) },
      data: streamData,
    },
  ];
  const edges = nodes.slice(1).map((node, i) => {
    const source = nodes[i]?.id ?? '';
    return { id: `e${source}-${node.id}`, source, target: node.id };
  });
  return {
    name,
    enabled: true,
    source: { source_type: 'realtime', org_id: org, stream_name: stream, stream_type: 'logs' },
    nodes,
    edges,
  };
}

/** Node ids in the UUID form the pipeline editor uses, the same on every run. */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(`bedrock-o2:${seed}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function planDashboard(asset: DashboardAsset, state: ServerState, options: ProvisionOptions): PlanStep {
  const base = { kind: 'dashboard' as const, name: asset.title };
  const content = { ...asset.body, title: asset.title };
  const print = fingerprint(content);
  const ownDescription = typeof asset.body['description'] === 'string' ? asset.body['description'] : '';
  const body = { ...content, description: markedDescription(ownDescription, print) };
  const matches = state.dashboards.get(asset.title) ?? [];
  const ours = matches.find((match) => isManaged(match.summary.description ?? undefined));
  if (ours === undefined) {
    return matches.length > 0
      ? {
          ...base,
          action: 'skipped',
          note: `a dashboard with this title in folder ${BEDROCK_FOLDER} was not created by bedrock-o2; left alone (rename or move it to let provision create its own)`,
        }
      : { ...base, action: 'create', write: { op: 'create-dashboard', body } };
  }
  const duplicates = matches.filter(
    (match) => match !== ours && isManaged(match.summary.description ?? undefined),
  );
  const note =
    duplicates.length > 0
      ? { note: `${duplicates.length + 1} managed copies; only the first is kept current` }
      : {};
  const stored = ours.stored;
  if (stored === undefined) throw new Error(`dashboard "${asset.title}" was matched but not read`);
  if (writtenFingerprint(stored.v8.description ?? undefined) === print && !options.force) {
    return { ...base, action: 'unchanged', ...note };
  }
  return {
    ...base,
    action: 'update',
    ...note,
    write: {
      op: 'update-dashboard',
      id: ours.summary.dashboard_id,
      hash: stored.hash,
      body: { ...body, ...serverOwnedDashboardFields(stored.v8) },
    },
  };
}

/** Fields the server set on create that a PUT should send back unchanged. */
function serverOwnedDashboardFields(v8: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const key of ['dashboardId', 'owner', 'created', 'role']) {
    if (Object.hasOwn(v8, key)) kept[key] = v8[key];
  }
  return kept;
}

/**
 * Alert and pipeline ids are the server's primary keys across every org of the server, so the org is part of
 * what they are derived from: provisioning a second org gets ids of its own.
 */
export function alertId(org: string, name: string): string {
  return deterministicKsuid('alert', `${org}/${name}`);
}

export function pipelineId(org: string, stream: string): string {
  return deterministicKsuid('pipeline', `${org}/${stream}`);
}

function planAlert(asset: AlertAsset, state: ServerState, options: ProvisionOptions): PlanStep {
  const base = { kind: 'alert' as const, name: asset.name };
  const id = alertId(options.org, asset.name);
  const content = {
    ...asset.body,
    name: asset.name,
    stream_type: asset.streamType,
    stream_name: asset.streamName,
    destinations: [...options.destinations],
  };
  const print = fingerprint(content);
  const ownDescription = typeof asset.body['description'] === 'string' ? asset.body['description'] : '';
  const body = { ...content, id, description: markedDescription(ownDescription, print) };
  const stored = state.alertsById.get(asset.name);
  if (stored === undefined) {
    const sameName = state.alertList.find((alert) => alert.name === asset.name);
    return sameName === undefined
      ? { ...base, action: 'create', write: { op: 'create-alert', id, body } }
      : {
          ...base,
          action: 'skipped',
          note: 'an alert of this name exists that bedrock-o2 did not create; left alone (rename or delete it to let provision create its own)',
        };
  }
  if (!isManaged(stored.description ?? undefined)) {
    return {
      ...base,
      action: 'skipped',
      note: `alert ${id} has lost its "managed by bedrock-o2" line; left alone (delete it to let provision recreate it)`,
    };
  }
  if (writtenFingerprint(stored.description ?? undefined) === print && !options.force) {
    return { ...base, action: 'unchanged' };
  }
  const folderId = state.alertList.find((alert) => (alert.alert_id ?? alert.id) === id)?.folder_id;
  return { ...base, action: 'update', write: { op: 'update-alert', id, folderId, body } };
}
