import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { createManagementClient, OpenObserveApiError } from '../../../functions/openobserve/client.ts';
import { createManagementApi } from '../../../functions/openobserve/management-api.ts';
import { useMswServer } from '../../helpers/msw.ts';

const server = useMswServer();
const BASE = 'https://o2.example.test';

describe('createManagementApi', () => {
  it('turns an answer of an unknown shape into one line naming the asset and the field', async () => {
    server.use(http.get(`${BASE}/api/acme/functions`, () => HttpResponse.json({ functions: [] })));
    const api = createManagementApi(createManagementClient({ url: BASE, org: 'acme', credentials: 'eDp5' }));

    const error = await api.listFunctions().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OpenObserveApiError);
    expect((error as OpenObserveApiError).kind).toBe('unexpected');
    expect((error as OpenObserveApiError).message).toMatch(
      /^functions: GET \/api\/acme\/functions answered in a shape bedrock-o2 does not know \(list: .*\); is this server much older or newer than the contract \(v0\.92\)\?$/,
    );
  });

  it('encodes names in paths, so a name cannot reach another route', async () => {
    let seen = '';
    server.use(
      http.get(`${BASE}/api/acme/alerts/destinations/:name`, ({ request }) => {
        seen = new URL(request.url).pathname;
        return new HttpResponse(null, { status: 404 });
      }),
    );
    const api = createManagementApi(createManagementClient({ url: BASE, org: 'acme', credentials: 'eDp5' }));

    expect(await api.destinationExists('team/../x')).toBe(false);
    expect(seen).toBe('/api/acme/alerts/destinations/team%2F..%2Fx');
  });
});
