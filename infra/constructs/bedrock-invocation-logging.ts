import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IDependable } from 'constructs';
import { BEDROCK_LOG_STREAM, customResourceServiceTimeoutSeconds } from '../defaults.ts';
import { acknowledgeNag, acknowledgeWildcardResources } from '../nag.ts';
import { BundledFunction, projectPath } from './bundled-function.ts';

export interface BedrockInvocationLoggingProps {
  /** Log group Bedrock writes to (must exist before the configuration is put). */
  readonly logGroupName: string;
  /**
   * Something the configuration must wait for, e.g. the log group when this stack creates it.
   * @default - nothing
   */
  readonly dependsOn?: IDependable;
  readonly textDataDeliveryEnabled: boolean;
  readonly imageDataDeliveryEnabled: boolean;
  readonly embeddingDataDeliveryEnabled: boolean;
  readonly videoDataDeliveryEnabled: boolean;
  readonly audioDataDeliveryEnabled: boolean;
  /** Replace a configuration that sends logs elsewhere. */
  readonly overwriteExisting: boolean;
  /**
   * Bucket for bodies too large for CloudWatch Logs (same account and region).
   * @default - none
   */
  readonly largeDataBucketName?: string;
  readonly logRetention: logs.RetentionDays;
}

/** Longest the handler may run; Bedrock's role check can need a few retries while IAM propagates. */
const HANDLER_TIMEOUT = Duration.seconds(120);

/**
 * Opt-in management of the account+region Bedrock invocation-logging configuration. A plain
 * `AwsCustomResource` cannot decide anything (it only makes the calls it is given), so a small handler
 * (`infra/handlers/bedrock-logging.ts`) reads the current configuration first, refuses to replace one that is
 * not its own unless told to, remembers what it replaced (SSM parameter `stateParameterName`) and puts that
 * back on delete; it switches logging off only when it was off before.
 */
export class BedrockInvocationLogging extends Construct {
  /** The role Bedrock assumes to write the logs. */
  readonly deliveryRole: iam.Role;
  /** SSM parameter where the handler remembers the configuration it replaced. */
  readonly stateParameterName: string;

  constructor(scope: Construct, id: string, props: BedrockInvocationLoggingProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.deliveryRole = new iam.Role(this, 'DeliveryRole', {
      description: `Bedrock writes model invocation logs to ${props.logGroupName}`,
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: '*' }) },
        },
      }),
    });
    // Built from the name: `LogGroup.logGroupArn` ends in `:*`, which Bedrock rejects for the stream.
    this.deliveryRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: `${props.logGroupName}:log-stream:${BEDROCK_LOG_STREAM}`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    if (props.largeDataBucketName !== undefined) {
      const objects = `arn:${stack.partition}:s3:::${props.largeDataBucketName}/*`;
      this.deliveryRole.addToPolicy(
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }),
      );
      acknowledgeWildcardResources(
        this.deliveryRole,
        [objects],
        'Bedrock chooses the object keys of large bodies in the configured bucket; only s3:PutObject is granted, on that bucket only.',
      );
    }

    const handler = new BundledFunction(this, 'ConfigFunction', {
      entry: projectPath('infra/handlers/bedrock-logging.ts'),
      description: 'bedrock-o2: sets the Bedrock invocation-logging configuration without overwriting others',
      timeout: HANDLER_TIMEOUT,
      logRetention: props.logRetention,
      bundleAwsSdk: true,
    });
    handler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'bedrock:GetModelInvocationLoggingConfiguration',
          'bedrock:PutModelInvocationLoggingConfiguration',
          'bedrock:DeleteModelInvocationLoggingConfiguration',
        ],
        // These actions have no resource type in the Service Authorization Reference: only "*" is valid.
        resources: ['*'],
      }),
    );
    handler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.deliveryRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
      }),
    );
    this.stateParameterName = `/bedrock-o2/${stack.stackName}/bedrock-invocation-logging/replaced-configuration`;
    handler.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: this.stateParameterName.slice(1),
          }),
        ],
      }),
    );
    if (props.overwriteExisting) {
      // Putting a replaced configuration back passes its role, which only exists at deploy time.
      const anyRole = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: '*' });
      handler.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [anyRole],
          conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
        }),
      );
      acknowledgeWildcardResources(
        handler.role,
        [anyRole],
        "With overwriteExisting the handler puts the configuration it replaced back on delete, passing that configuration's role, which is known only at deploy time; limited to passing roles to bedrock.amazonaws.com in this account.",
      );
    }
    acknowledgeNag(
      handler.role,
      'AwsSolutions-IAM5[Resource::*]',
      'bedrock:{Get,Put,Delete}ModelInvocationLoggingConfiguration support no resource-level permissions; the statement lists only these three actions.',
    );

    const configuration = new CustomResource(this, 'Configuration', {
      serviceToken: handler.function.functionArn,
      resourceType: 'Custom::BedrockInvocationLogging',
      serviceTimeout: Duration.seconds(customResourceServiceTimeoutSeconds(HANDLER_TIMEOUT.toSeconds())),
      properties: {
        LogGroupName: props.logGroupName,
        RoleArn: this.deliveryRole.roleArn,
        TextDataDeliveryEnabled: props.textDataDeliveryEnabled,
        ImageDataDeliveryEnabled: props.imageDataDeliveryEnabled,
        EmbeddingDataDeliveryEnabled: props.embeddingDataDeliveryEnabled,
        VideoDataDeliveryEnabled: props.videoDataDeliveryEnabled,
        AudioDataDeliveryEnabled: props.audioDataDeliveryEnabled,
        StateParameterName: this.stateParameterName,
        OverwriteExisting: props.overwriteExisting,
        ...(props.largeDataBucketName !== undefined && { LargeDataBucketName: props.largeDataBucketName }),
      },
    });
    // Bedrock validates the role when the configuration is put.
    configuration.node.addDependency(this.deliveryRole);
    if (props.dependsOn) configuration.node.addDependency(props.dependsOn);
  }
}
