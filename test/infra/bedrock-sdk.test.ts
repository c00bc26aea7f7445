import { Readable } from 'node:stream';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { describe, expect, it } from 'vitest';
import { desiredConfig, sdkApi } from '../../infra/handlers/bedrock-logging.ts';

// The SDK's serializer sends only the fields its model knows and drops the rest without an error, which is why
// the logging handler bundles its own @aws-sdk/client-bedrock instead of the Lambda runtime's. This checks the
// bundled version on the wire: every delivery flag we set reaches the request body.
describe('the @aws-sdk/client-bedrock the handler bundles', () => {
  it('puts every delivery flag, audio included, in the request body', async () => {
    const bodies: string[] = [];
    const client = new BedrockClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: {
        handle: async (request: { body?: unknown }) => {
          bodies.push(new TextDecoder().decode(request.body as Uint8Array));
          return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
        },
      },
    });
    const config = desiredConfig({
      LogGroupName: 'bedrock/model-invocations',
      RoleArn: 'arn:aws:iam::123456789012:role/ours',
      TextDataDeliveryEnabled: true,
      ImageDataDeliveryEnabled: false,
      EmbeddingDataDeliveryEnabled: false,
      VideoDataDeliveryEnabled: false,
      AudioDataDeliveryEnabled: false,
      OverwriteExisting: false,
      StateParameterName: '/p',
    });
    await sdkApi(client, 0).put(config);
    expect(JSON.parse(bodies[0] ?? '')).toEqual({ loggingConfig: config });
  });
});
