import { ArnFormat, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import { FirehoseDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { customResourceServiceTimeoutSeconds } from '../defaults.ts';
import { acknowledgeWildcardResources } from '../nag.ts';
import { BundledFunction, projectPath } from './bundled-function.ts';

export interface SubscribedLogGroup {
  readonly name: string;
  /** Create the log group here (retained on delete) instead of importing it. */
  readonly create: boolean;
  /** Retention when created. */
  readonly retention: logs.RetentionDays;
}

export interface LogSubscriptionsProps {
  readonly logGroups: readonly SubscribedLogGroup[];
  /** The logs delivery stream. */
  readonly deliveryStream: IDeliveryStream;
  /** Deterministic filter name, the same on every log group of this stack. */
  readonly filterName: string;
  /** Retention of the guard function's log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * One subscription filter per Bedrock log group, all into the logs stream through one role. For log groups
 * that already exist, a guard custom resource runs first and fails the deploy with a clear message when both
 * subscription-filter slots are taken (CloudFormation cannot see existing filters at synth).
 */
const GUARD_TIMEOUT = Duration.seconds(60);

export class LogSubscriptions extends Construct {
  /** The log groups this stack creates, by name. */
  readonly createdLogGroups: ReadonlyMap<string, logs.LogGroup>;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: LogSubscriptionsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.role = new iam.Role(this, 'Role', {
      description: 'CloudWatch Logs puts Bedrock invocation logs into the logs Firehose stream',
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#FirehoseExample
          StringLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*' }) },
        },
      }),
    });
    const destination = new FirehoseDestination(props.deliveryStream, { role: this.role });

    const existing = props.logGroups.filter((group) => !group.create);
    const guard = existing.length > 0 ? this.guardFunction(existing, props.logRetention) : undefined;

    const created = new Map<string, logs.LogGroup>();
    for (const group of props.logGroups) {
      const key = constructKey(group.name);
      let logGroup: logs.ILogGroup;
      if (group.create) {
        const newGroup = new logs.LogGroup(this, `LogGroup${key}`, {
          logGroupName: group.name,
          retention: group.retention,
          // Invocation logs are the source of truth: deleting or replacing the pipeline must not delete them.
          // DeletionPolicy RetainExceptOnCreate: CloudFormation still deletes the group when the operation that
          // created it rolls back (it is new and empty then), so a failed first deploy, which the slot guard and
          // the Bedrock logging check are built to cause, leaves no group behind to fail the next deploy with
          // "already exists". UpdateReplacePolicy Retain keeps the old group if a change ever replaces it.
          removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        });
        created.set(group.name, newGroup);
        logGroup = newGroup;
      } else {
        logGroup = logs.LogGroup.fromLogGroupName(this, `ImportedLogGroup${key}`, group.name);
      }

      const filter = new logs.SubscriptionFilter(this, `Filter${key}`, {
        logGroup,
        destination,
        filterName: props.filterName,
        filterPattern: logs.FilterPattern.allEvents(),
      });
      if (guard && !group.create) {
        const check = new CustomResource(this, `SlotGuard${key}`, {
          serviceToken: guard.function.functionArn,
          serviceTimeout: Duration.seconds(customResourceServiceTimeoutSeconds(GUARD_TIMEOUT.toSeconds())),
          resourceType: 'Custom::SubscriptionFilterGuard',
          properties: { LogGroupName: group.name, FilterName: props.filterName },
        });
        filter.node.addDependency(check);
      }
    }
    this.createdLogGroups = created;
  }

  private guardFunction(
    groups: readonly SubscribedLogGroup[],
    logRetention: logs.RetentionDays,
  ): BundledFunction {
    const guard = new BundledFunction(this, 'SlotGuardFunction', {
      entry: projectPath('infra/handlers/subscription-filter-guard.ts'),
      description: 'bedrock-o2: fails the deploy when a log group has no free subscription-filter slot',
      timeout: GUARD_TIMEOUT,
      logRetention,
      bundleAwsSdk: true,
    });
    const arns = groups.map((group) => logGroupArn(this, group.name));
    guard.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:DescribeSubscriptionFilters'], resources: arns }),
    );
    acknowledgeWildcardResources(
      guard.role,
      arns,
      'CloudWatch Logs documents the log-group ARN with a trailing :* for IAM policies on all actions but tagging (iam-access-control-overview-cwl); scoped to the subscribed log groups and one read-only action.',
    );
    return guard;
  }
}

/** A construct-id-safe key for a log group name (`/` is the path separator of construct ids). */
export function constructKey(logGroupName: string): string {
  return `[${logGroupName.replaceAll('/', '|')}]`;
}

/** Log group ARN as IAM expects it for log-group actions, built from the name. */
export function logGroupArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: `${name}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
