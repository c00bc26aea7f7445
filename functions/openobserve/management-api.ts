import { z } from 'zod';
import { type ManagementClient, OpenObserveApiError } from './client.ts';

/**
 * One function per OpenObserve management route provision uses (openobserve-contract §7–§11). Answers are
 * read with loose schemas: only the fields used here are required, so a newer server's extra fields pass and a
 * different shape is one clear error naming the asset.
 */

export type FolderType = 'dashboards' | 'alerts';
export type StreamType = 'logs' | 'metrics';

const FolderSchema = z.looseObject({
  folderId: z.string(),
  name: z.string(),
  description: z.string().optional(),
});
export type Folder = z.infer<typeof FolderSchema>;

const DashboardSummarySchema = z.looseObject({
  dashboard_id: z.string(),
  title: z.string(),
  description: z.string().nullish(),
  folder_id: z.string().optional(),
});
export type DashboardSummary = z.infer<typeof DashboardSummarySchema>;

const DashboardSchema = z.looseObject({
  v8: z.looseObject({ title: z.string(), description: z.string().nullish() }),
  hash: z.union([z.string(), z.number()]).transform(String),
});
export type StoredDashboard = z.infer<typeof DashboardSchema>;

const AlertSchema = z.looseObject({
  name: z.string(),
  description: z.string().nullish(),
  stream_name: z.string().optional(),
});
export type StoredAlert = z.infer<typeof AlertSchema>;

const AlertSummarySchema = z.looseObject({
  alert_id: z.string().optional(),
  id: z.string().optional(),
  name: z.string(),
  description: z.string().nullish(),
  stream_name: z.string().optional(),
  folder_id: z.string().optional(),
});
export type AlertSummary = z.infer<typeof AlertSummarySchema>;

const FunctionSchema = z.looseObject({ name: z.string(), function: z.string() });
export type StoredFunction = z.infer<typeof FunctionSchema>;

const PipelineSchema = z.looseObject({
  pipeline_id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  version: z.number(),
  source: z.looseObject({
    source_type: z.string(),
    stream_name: z.string().optional(),
    stream_type: z.string().optional(),
  }),
});
export type StoredPipeline = z.infer<typeof PipelineSchema>;

const StreamSchemaSchema = z.looseObject({
  schema: z.array(z.looseObject({ name: z.string(), type: z.string() })).optional(),
  settings: z
    .looseObject({
      full_text_search_keys: z.array(z.string()).optional(),
      index_fields: z.array(z.string()).optional(),
      bloom_filter_fields: z.array(z.string()).optional(),
      data_retention: z.number().optional(),
    })
    .optional(),
});
export type StoredStream = z.infer<typeof StreamSchemaSchema>;

function read<T>(schema: z.ZodType<T>, body: unknown, asset: string, route: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new OpenObserveApiError(
    'unexpected',
    200,
    `${asset}: ${route} answered in a shape bedrock-o2 does not know (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}); is this server much older or newer than the contract (v0.92)?`,
  );
}

const seg = encodeURIComponent;

export function createManagementApi(client: ManagementClient) {
  const org = seg(client.org);
  return {
    async findFolder(type: FolderType, name: string): Promise<Folder | undefined> {
      const asset = `folder "${name}" (${type})`;
      const path = `/api/v2/${org}/folders/${type}/name/${seg(name)}`;
      const { status, body } = await client.request({ method: 'GET', path, asset, accept: [404] });
      return status === 404 ? undefined : read(FolderSchema, body, asset, `GET ${path}`);
    },
    async createFolder(type: FolderType, name: string, description: string): Promise<Folder> {
      const asset = `folder "${name}" (${type})`;
      const path = `/api/v2/${org}/folders/${type}`;
      const { body } = await client.request({
        method: 'POST',
        path,
        asset,
        body: { name, description },
        idempotent: false,
      });
      return read(FolderSchema, body, asset, `POST ${path}`);
    },
    async listDashboards(folderId: string, title: string): Promise<DashboardSummary[]> {
      const asset = `dashboard "${title}"`;
      const path = `/api/${org}/dashboards`;
      const { body } = await client.request({
        method: 'GET',
        path,
        query: { folder: folderId, title, pageSize: '1000' },
        asset,
      });
      return read(z.looseObject({ dashboards: z.array(DashboardSummarySchema) }), body, asset, `GET ${path}`)
        .dashboards;
    },
    async getDashboard(id: string, title: string): Promise<StoredDashboard> {
      const asset = `dashboard "${title}"`;
      const path = `/api/${org}/dashboards/${seg(id)}`;
      const { body } = await client.request({ method: 'GET', path, asset });
      return read(DashboardSchema, body, asset, `GET ${path}`);
    },
    async createDashboard(folderId: string, dashboard: Record<string, unknown>, title: string) {
      await client.request({
        method: 'POST',
        path: `/api/${org}/dashboards`,
        query: { folder: folderId },
        body: dashboard,
        asset: `dashboard "${title}"`,
        idempotent: false,
      });
    },
    /** False when the server's hash moved on since it was read (409). */
    async updateDashboard(
      id: string,
      folderId: string,
      hash: string,
      dashboard: Record<string, unknown>,
      title: string,
    ): Promise<boolean> {
      const { status } = await client.request({
        method: 'PUT',
        path: `/api/${org}/dashboards/${seg(id)}`,
        query: { folder: folderId, hash },
        body: dashboard,
        asset: `dashboard "${title}"`,
        accept: [409],
      });
      return status !== 409;
    },
    async getAlert(id: string, name: string): Promise<StoredAlert | undefined> {
      const asset = `alert "${name}"`;
      const path = `/api/v2/${org}/alerts/${seg(id)}`;
      const { status, body } = await client.request({ method: 'GET', path, asset, accept: [404] });
      return status === 404 ? undefined : read(AlertSchema, body, asset, `GET ${path}`);
    },
    async listAlerts(): Promise<AlertSummary[]> {
      const asset = 'alerts';
      const path = `/api/v2/${org}/alerts`;
      const { body } = await client.request({ method: 'GET', path, query: { page_size: '10000' }, asset });
      return read(z.looseObject({ list: z.array(AlertSummarySchema) }), body, asset, `GET ${path}`).list;
    },
    async createAlert(folderId: string, alert: Record<string, unknown>, name: string) {
      await client.request({
        method: 'POST',
        path: `/api/v2/${org}/alerts`,
        query: { folder: folderId, overwrite: 'true' },
        body: alert,
        asset: `alert "${name}"`,
        // A second POST with the same id clashes with the first; a re-run finds it by id and PUTs.
        idempotent: false,
      });
    },
    async updateAlert(
      id: string,
      folderId: string | undefined,
      alert: Record<string, unknown>,
      name: string,
    ) {
      await client.request({
        method: 'PUT',
        path: `/api/v2/${org}/alerts/${seg(id)}`,
        // The folder lets a server with RBAC check the right one.
        ...(folderId === undefined ? {} : { query: { folder: folderId } }),
        body: alert,
        asset: `alert "${name}"`,
      });
    },
    async destinationExists(name: string): Promise<boolean> {
      const { status } = await client.request({
        method: 'GET',
        path: `/api/${org}/alerts/destinations/${seg(name)}`,
        asset: `alert destination "${name}"`,
        accept: [404],
      });
      return status !== 404;
    },
    async listFunctions(): Promise<StoredFunction[]> {
      const asset = 'functions';
      const path = `/api/${org}/functions`;
      const { body } = await client.request({ method: 'GET', path, asset });
      return read(z.looseObject({ list: z.array(FunctionSchema) }), body, asset, `GET ${path}`).list;
    },
    /** False when a function of that name already exists (400 "already exist"). */
    async createFunction(name: string, source: string): Promise<boolean> {
      const { status, body } = await client.request({
        method: 'POST',
        path: `/api/${org}/functions`,
        body: { name, function: source, params: 'row', transType: 0 },
        asset: `function "${name}"`,
        accept: [400],
      });
      if (status === 400) {
        if (/already exist/i.test(JSON.stringify(body ?? ''))) return false;
        throw new OpenObserveApiError(
          'refused',
          400,
          `function "${name}": OpenObserve refused it (400: ${String((body as { message?: unknown } | undefined)?.message ?? body).slice(0, 200)}); the VRL may not compile on this server's VRL version`,
        );
      }
      return true;
    },
    async updateFunction(name: string, source: string) {
      await client.request({
        method: 'PUT',
        path: `/api/${org}/functions/${seg(name)}`,
        body: { name, function: source, params: 'row', transType: 0 },
        asset: `function "${name}"`,
      });
    },
    async listPipelines(): Promise<StoredPipeline[]> {
      const asset = 'pipelines';
      const path = `/api/${org}/pipelines`;
      const { body } = await client.request({ method: 'GET', path, asset });
      return read(z.looseObject({ list: z.array(PipelineSchema) }), body, asset, `GET ${path}`).list;
    },
    async createPipeline(pipeline: Record<string, unknown>, name: string) {
      await client.request({
        method: 'POST',
        path: `/api/${org}/pipelines`,
        query: { overwrite: 'true' },
        body: pipeline,
        asset: `pipeline "${name}"`,
      });
    },
    async updatePipeline(pipeline: Record<string, unknown>, name: string) {
      await client.request({
        method: 'PUT',
        path: `/api/${org}/pipelines`,
        body: pipeline,
        asset: `pipeline "${name}"`,
      });
    },
    async getStream(name: string, type: StreamType): Promise<StoredStream | undefined> {
      const asset = `stream "${name}"`;
      const path = `/api/${org}/streams/${seg(name)}/schema`;
      const { status, body } = await client.request({
        method: 'GET',
        path,
        query: { type },
        asset,
        accept: [404],
      });
      return status === 404 ? undefined : read(StreamSchemaSchema, body, asset, `GET ${path}`);
    },
    /** False when the stream already exists (400 "already exists", e.g. a row arrived meanwhile). */
    async createStream(name: string, type: StreamType, fields: readonly { name: string; type: string }[]) {
      const { status, body } = await client.request({
        method: 'POST',
        path: `/api/${org}/streams/${seg(name)}`,
        query: { type },
        body: { fields, settings: {} },
        asset: `stream "${name}"`,
        accept: [400],
      });
      if (status === 400 && !/already exist/i.test(JSON.stringify(body ?? ''))) {
        throw new OpenObserveApiError(
          'refused',
          400,
          `stream "${name}": OpenObserve refused to create it (400: ${JSON.stringify(body ?? '').slice(0, 200)})`,
        );
      }
      return status !== 400;
    },
    async updateStreamSettings(name: string, type: StreamType, settings: Record<string, unknown>) {
      await client.request({
        method: 'PUT',
        path: `/api/${org}/streams/${seg(name)}/settings`,
        query: { type },
        body: settings,
        asset: `stream "${name}" settings`,
      });
    },
  };
}

export type ManagementApi = ReturnType<typeof createManagementApi>;
