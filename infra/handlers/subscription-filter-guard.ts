import { CloudWatchLogsClient, paginateDescribeSubscriptionFilters } from '@aws-sdk/client-cloudwatch-logs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { z } from 'zod';
import { type CustomResourceResult, log, type PutResponse, runCustomResource } from './cfn-response.ts';

/**
 * Custom resource `Custom::SubscriptionFilterGuard`: runs before our subscription filter is created and fails
 * the deploy, with a message that names the filters in the way, when the log group's subscription-filter slots
 * are already taken by others. CloudFormation alone would fail later with a bare LimitExceededException.
 */

/** Subscription filters per log group (PutSubscriptionFilter limits). */
export const MAX_SUBSCRIPTION_FILTERS = 2;

const PropertiesSchema = z.object({ LogGroupName: z.string().min(1), FilterName: z.string().min(1) });

export type SlotCheck =
  | { readonly ok: true; readonly others: readonly string[] }
  | { readonly ok: false; readonly message: string };

/** Decide whether our filter fits next to the filters already on the log group. */
export function checkFilterSlots(
  logGroupName: string,
  filterName: string,
  existing: readonly string[],
): SlotCheck {
  const others = existing.filter((name) => name !== filterName);
  if (existing.includes(filterName) || others.length < MAX_SUBSCRIPTION_FILTERS) return { ok: true, others };
  return {
    ok: false,
    message:
      `log group ${logGroupName} already has ${others.length} subscription filters (${others.join(', ')}); ` +
      `CloudWatch Logs allows ${MAX_SUBSCRIPTION_FILTERS} per log group, so ${filterName} cannot be added. ` +
      'Remove one of them, or have Bedrock log to another group (regions[].logGroups, bedrockLogging).',
  };
}

/** Names of every subscription filter on a log group. */
export type ListFilters = (logGroupName: string) => Promise<string[]>;

export function guardWork(listFilters: ListFilters) {
  return async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> => {
    // Nothing to undo: the guard creates nothing. Returns before parsing, so properties that failed a
    // Create cannot also fail its rollback.
    if (event.RequestType === 'Delete') return { physicalResourceId: event.PhysicalResourceId };
    const props = PropertiesSchema.parse(event.ResourceProperties);
    const physicalResourceId = `${props.LogGroupName}|${props.FilterName}`;

    let existing: string[];
    try {
      existing = await listFilters(props.LogGroupName);
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') {
        throw new Error(
          `log group ${props.LogGroupName} does not exist; create it (logGroups[].create: true) or enable Bedrock invocation logging to it first`,
        );
      }
      throw error;
    }
    const check = checkFilterSlots(props.LogGroupName, props.FilterName, existing);
    if (!check.ok) throw new Error(check.message);
    log({ level: 'INFO', logGroupName: props.LogGroupName, otherFilters: check.others });
    return { physicalResourceId, data: { OtherFilters: check.others.join(',') } };
  };
}

/** Every subscription filter name on a log group, through the SDK (bundled with the function). */
export function listFiltersWith(client: CloudWatchLogsClient): ListFilters {
  return async (logGroupName) => {
    const names: string[] = [];
    for await (const page of paginateDescribeSubscriptionFilters({ client }, { logGroupName })) {
      for (const filter of page.subscriptionFilters ?? [])
        if (filter.filterName) names.push(filter.filterName);
    }
    return names;
  };
}

export function makeHandler(
  listFilters: ListFilters = listFiltersWith(new CloudWatchLogsClient({})),
  put?: PutResponse,
) {
  return (event: CloudFormationCustomResourceEvent) => runCustomResource(event, guardWork(listFilters), put);
}

export const handler = makeHandler();
