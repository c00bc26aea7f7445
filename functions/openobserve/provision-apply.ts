import { OpenObserveApiError } from './client.ts';
import type { FolderType, ManagementApi } from './management-api.ts';
import { BEDROCK_FOLDER, FOLDER_DESCRIPTION } from './ownership.ts';
import type { Plan, PlanStep, StreamSettingsDiff, Write } from './provision-plan.ts';

/**
 * Carries out a plan's writes in order (folders, streams, functions, pipelines, dashboards, alerts), one step
 * at a time. A failed step is recorded and the rest go on, except after rejected credentials, where every
 * further request would fail the same way.
 */

export interface StepResult {
  readonly step: PlanStep;
  readonly status: 'done' | 'failed' | 'not-run';
  readonly error?: OpenObserveApiError | Error;
}

export interface ApplyOptions {
  /** On a dashboard hash conflict (409): re-read and overwrite instead of failing. */
  readonly force: boolean;
  readonly onStep?: (result: StepResult, index: number, total: number) => void;
}

export async function applyProvision(
  plan: Plan,
  api: ManagementApi,
  options: ApplyOptions,
): Promise<StepResult[]> {
  const folderIds: Partial<Record<FolderType, string>> = { ...plan.folderIds };
  const results: StepResult[] = [];
  let aborted = false;
  for (const [index, step] of plan.steps.entries()) {
    let result: StepResult;
    if (step.write === undefined) result = { step, status: 'done' };
    else if (aborted) result = { step, status: 'not-run' };
    else {
      try {
        await perform(step.write, step, api, folderIds, options.force);
        result = { step, status: 'done' };
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        result = { step, status: 'failed', error };
        if (error instanceof OpenObserveApiError && error.kind === 'credentials') aborted = true;
      }
    }
    results.push(result);
    options.onStep?.(result, index, plan.steps.length);
  }
  return results;
}

async function perform(
  write: Write,
  step: PlanStep,
  api: ManagementApi,
  folderIds: Partial<Record<FolderType, string>>,
  force: boolean,
): Promise<void> {
  const folder = (type: FolderType): string => {
    const id = folderIds[type];
    if (id === undefined) {
      throw new Error(
        `${step.kind} "${step.name}": the ${BEDROCK_FOLDER} ${type} folder could not be created (see above)`,
      );
    }
    return id;
  };
  switch (write.op) {
    case 'create-folder': {
      const created = await api.createFolder(write.type, BEDROCK_FOLDER, FOLDER_DESCRIPTION);
      folderIds[write.type] = created.folderId;
      return;
    }
    case 'create-stream':
      await api.createStream(write.spec.name, 'logs', write.spec.fields);
      if (hasSettings(write.settings))
        await api.updateStreamSettings(write.spec.name, 'logs', { ...write.settings });
      return;
    case 'update-stream-settings':
      await api.updateStreamSettings(write.spec.name, 'logs', { ...write.settings });
      return;
    case 'create-function':
      if (!(await api.createFunction(write.name, write.source)))
        await api.updateFunction(write.name, write.source);
      return;
    case 'update-function':
      await api.updateFunction(write.name, write.source);
      return;
    case 'create-pipeline':
      await api.createPipeline(write.body, step.name);
      return;
    case 'update-pipeline':
      await api.updatePipeline(write.body, step.name);
      return;
    case 'create-dashboard':
      await api.createDashboard(folder('dashboards'), write.body, step.name);
      return;
    case 'update-dashboard':
      await updateDashboard(write, step, api, folder('dashboards'), force);
      return;
    case 'create-alert':
      await api.createAlert(folder('alerts'), write.body, step.name);
      return;
    case 'update-alert':
      await api.updateAlert(write.id, write.folderId ?? folderIds.alerts, write.body, step.name);
      return;
  }
}

async function updateDashboard(
  write: Extract<Write, { op: 'update-dashboard' }>,
  step: PlanStep,
  api: ManagementApi,
  folderId: string,
  force: boolean,
): Promise<void> {
  if (await api.updateDashboard(write.id, folderId, write.hash, write.body, step.name)) return;
  if (force) {
    const current = await api.getDashboard(write.id, step.name);
    if (await api.updateDashboard(write.id, folderId, current.hash, write.body, step.name)) return;
  }
  throw new OpenObserveApiError(
    'conflict',
    409,
    force
      ? `dashboard "${step.name}": changed again on the server while it was being overwritten (hash conflict, 409); re-run`
      : `dashboard "${step.name}": changed on the server since provision read it (hash conflict, 409); re-run to plan against the new version, or pass --force to overwrite it`,
  );
}

function hasSettings(settings: StreamSettingsDiff): boolean {
  return Object.keys(settings).length > 0;
}
