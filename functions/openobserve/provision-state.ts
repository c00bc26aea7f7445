import type { AssetSet } from './assets.ts';
import type {
  AlertSummary,
  Folder,
  FolderType,
  ManagementApi,
  StoredAlert,
  StoredStream,
} from './management-api.ts';
import { BEDROCK_FOLDER, isManaged } from './ownership.ts';
import {
  alertId,
  type ProvisionOptions,
  type ServerState,
  type StoredDashboardMatch,
} from './provision-plan.ts';

/** Everything planning needs, read with GET requests only (a dry run's client refuses anything else). */
export async function readServerState(
  api: ManagementApi,
  assets: AssetSet,
  options: ProvisionOptions,
): Promise<ServerState> {
  const missingDestinations: string[] = [];
  for (const name of options.destinations) {
    if (!(await api.destinationExists(name))) missingDestinations.push(name);
  }
  const folders: Partial<Record<FolderType, Folder>> = {};
  if (missingDestinations.length > 0) {
    // Planning stops on this before anything else matters.
    const none = new Map();
    return {
      folders,
      streams: none,
      functions: [],
      pipelines: [],
      dashboards: none,
      alertsById: none,
      alertList: [],
      missingDestinations,
    };
  }
  for (const type of ['dashboards', 'alerts'] as const) {
    const folder = await api.findFolder(type, BEDROCK_FOLDER);
    if (folder !== undefined) folders[type] = folder;
  }

  const streams = new Map<string, StoredStream | undefined>();
  for (const spec of options.streams) streams.set(spec.name, await api.getStream(spec.name, 'logs'));

  const functions = assets.functions.length > 0 ? await api.listFunctions() : [];
  const pipelines = assets.functions.length > 0 ? await api.listPipelines() : [];

  const dashboards = await readDashboards(api, assets, folders.dashboards);

  const alertsById = new Map<string, StoredAlert | undefined>();
  let alertList: AlertSummary[] = [];
  if (options.destinations.length > 0 && assets.alerts.length > 0) {
    for (const asset of assets.alerts)
      alertsById.set(asset.name, await api.getAlert(alertId(options.org, asset.name), asset.name));
    alertList = await api.listAlerts();
  }

  return { folders, streams, functions, pipelines, dashboards, alertsById, alertList, missingDestinations };
}

/** Exact title matches in the Bedrock folder; the full dashboard (with its hash) only for ones provision owns. */
async function readDashboards(
  api: ManagementApi,
  assets: AssetSet,
  folder: Folder | undefined,
): Promise<Map<string, StoredDashboardMatch[]>> {
  const dashboards = new Map<string, StoredDashboardMatch[]>();
  if (folder === undefined) return dashboards;
  for (const asset of assets.dashboards) {
    const listed = await api.listDashboards(folder.folderId, asset.title);
    const matches: StoredDashboardMatch[] = [];
    for (const summary of listed.filter((item) => item.title === asset.title)) {
      matches.push(
        isManaged(summary.description ?? undefined)
          ? { summary, stored: await api.getDashboard(summary.dashboard_id, asset.title) }
          : { summary },
      );
    }
    dashboards.set(asset.title, matches);
  }
  return dashboards;
}
