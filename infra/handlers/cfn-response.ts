import { request } from 'node:https';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

/**
 * The CloudFormation side of our Lambda-backed custom resources. Each handler answers CloudFormation
 * itself (no provider framework, so no extra function and role per stack); `runCustomResource` is the one
 * place that catches, so every invocation ends in exactly one SUCCESS or FAILED response. Without one,
 * CloudFormation would wait an hour for the resource.
 */

export interface CustomResourceResult {
  readonly physicalResourceId: string;
  /** Values readable with `Fn::GetAtt`; keep them short (the response is capped at 4 KB). */
  readonly data?: Readonly<Record<string, string>>;
}

/** Sends the response document to the pre-signed S3 URL CloudFormation gave us. */
export type PutResponse = (url: string, body: string) => Promise<void>;

/** CloudFormation's response document must stay under 4096 bytes. */
const MAX_REASON_CHARS = 2000;

export async function runCustomResource(
  event: CloudFormationCustomResourceEvent,
  work: (event: CloudFormationCustomResourceEvent) => Promise<CustomResourceResult>,
  put: PutResponse = httpsPut,
): Promise<void> {
  let response: CloudFormationCustomResourceResponse;
  try {
    const result = await work(event);
    response = {
      Status: 'SUCCESS',
      PhysicalResourceId: result.physicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      ...(result.data && { Data: result.data }),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log({
      level: 'ERROR',
      requestType: event.RequestType,
      logicalResourceId: event.LogicalResourceId,
      reason,
    });
    response = {
      Status: 'FAILED',
      Reason: reason.slice(0, MAX_REASON_CHARS),
      // A failed Create still needs an id; CloudFormation then sends a Delete for it during rollback.
      PhysicalResourceId:
        event.RequestType === 'Create' ? `failed-${event.RequestId}` : event.PhysicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    };
  }
  await put(event.ResponseURL, JSON.stringify(response));
}

/** One JSON line on stdout: CloudWatch Logs keeps it, and nothing in it is secret. */
export function log(entry: Readonly<Record<string, unknown>>): void {
  process.stdout.write(`${JSON.stringify(entry)}\n`);
}

function httpsPut(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        // The URL is pre-signed without a content type; sending one would break the signature.
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode !== undefined && res.statusCode < 300
            ? resolve()
            : reject(new Error(`CloudFormation response upload failed with HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
