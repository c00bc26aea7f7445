import { CfnMapping, Duration, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import type { BackupPrefixes, HttpDeliverySettings, ProcessorParameters } from '../defaults.ts';
import { acknowledgeWildcardResources } from '../nag.ts';
import { LambdaProcessor } from './lambda-processor.ts';

export interface OpenObserveDeliveryStreamProps {
  /** Fixed stream name (the logs Lambda re-ingests into it by name). */
  readonly deliveryStreamName: string;
  /** OpenObserve's `/aws/{org}/{stream}/_kinesis_firehose` URL. */
  readonly url: string;
  /** Secret holding `{"api_key": "…"}`; Firehose reads it at delivery time. */
  readonly secret: ISecret;
  /** Transformation Lambda. */
  readonly processor: IFunction;
  readonly processorParameters: ProcessorParameters;
  readonly http: HttpDeliverySettings;
  /** Failed-data backup bucket. */
  readonly backupBucket: IBucket;
  readonly backupPrefixes: BackupPrefixes;
  /** Retention of the Firehose error log group. */
  readonly errorLogRetention: logs.RetentionDays;
}

/**
 * A DirectPut Firehose stream: Lambda processor -> OpenObserve HTTP endpoint (GZIP, key from Secrets Manager),
 * failed data only to S3. Firehose's role gets exactly the actions AWS documents for these features; the
 * wildcard grants of the L2 helpers (`s3:GetObject*`, `s3:List*`, `s3:DeleteObject*`, invoke on `<fn>:*`)
 * are kept out by handing the destination an immutable view of the role.
 */
export class OpenObserveDeliveryStream extends Construct {
  readonly stream: firehose.DeliveryStream;
  readonly role: iam.Role;
  readonly errorLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OpenObserveDeliveryStreamProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.role = new iam.Role(this, 'DeliveryRole', {
      description: `Firehose ${props.deliveryStreamName}: invoke the processor, read the key, write failures`,
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'firehose',
              resource: 'deliverystream',
              resourceName: props.deliveryStreamName,
            }),
          },
        },
      }),
    });

    this.errorLogGroup = new logs.LogGroup(this, 'ErrorLogGroup', {
      retention: props.errorLogRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const bucketArn = props.backupBucket.bucketArn;
    const objectResources = props.backupPrefixes.writableRoots.map((root) => `${bucketArn}/${root}*`);
    const policy = new iam.Policy(this, 'DeliveryPolicy', {
      roles: [this.role],
      statements: [
        // https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html (S3 and Lambda sections)
        new iam.PolicyStatement({
          sid: 'BackupBucket',
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'BackupObjects',
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: objectResources,
        }),
        new iam.PolicyStatement({
          sid: 'InvokeProcessor',
          actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
          resources: [props.processor.functionArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadApiKey',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [props.secret.secretArn],
        }),
        new iam.PolicyStatement({
          sid: 'ErrorLogs',
          actions: ['logs:PutLogEvents'],
          resources: [this.errorLogGroup.logGroupArn],
        }),
      ],
    });

    acknowledgeWildcardResources(
      policy,
      objectResources,
      "Firehose chooses the object keys (stream name, version, timestamp, random suffix) under the configured prefixes; the grant is limited to this stream's prefixes of the backup bucket.",
    );

    tolerateRegionWithoutFirehoseCidr(stack);
    const destinationRole = this.role.withoutPolicyUpdates();
    this.stream = new firehose.DeliveryStream(this, 'Stream', {
      deliveryStreamName: props.deliveryStreamName,
      encryption: firehose.StreamEncryption.awsOwnedKey(),
      destination: new firehose.HttpEndpoint({
        endpointConfig: { url: props.url, name: 'OpenObserve', secret: props.secret },
        requestCompression: firehose.HttpCompression.GZIP,
        bufferingHints: {
          size: Size.mebibytes(props.http.bufferMiB),
          interval: Duration.seconds(props.http.intervalSeconds),
        },
        retryOptions: { duration: Duration.seconds(props.http.retrySeconds) },
        backupMode: firehose.HttpBackupMode.FAILED,
        processors: [new LambdaProcessor(props.processor, props.processorParameters)],
        loggingConfig: new firehose.EnableLogging(this.errorLogGroup),
        role: destinationRole,
        s3Backup: {
          bucket: props.backupBucket,
          dataOutputPrefix: props.backupPrefixes.data,
          errorOutputPrefix: props.backupPrefixes.errors,
          compression: firehose.Compression.GZIP,
          // Failures are rare and small; flush them quickly so the replay tool sees them.
          bufferingInterval: Duration.seconds(60),
          bufferingSize: Size.mebibytes(5),
          loggingConfig: new firehose.EnableLogging(this.errorLogGroup),
        },
      }),
    });
    // Firehose checks its access to the bucket and the function when the stream is created.
    this.stream.node.addDependency(policy);
  }
}

/** The construct id under which aws-cdk-lib's DeliveryStream keeps its per-region Firehose CIDR table. */
const FIREHOSE_CIDR_MAPPING_ID = '@aws-cdk/aws-kinesisfirehose.CidrBlocks';

/**
 * aws-cdk-lib's DeliveryStream builds `connections` (for VPC destinations) from a per-region table of Firehose
 * CIDR blocks and throws at synth for a region missing from it: regions it lists without a block (mx-central-1,
 * ap-southeast-6 and the isolated partitions today) and any region newer than the library. An HTTP endpoint
 * stream never uses `connections`, so the table gets an entry for this region that matches no address. The
 * table is lazy and the looked-up value is never used, so nothing of it reaches the template.
 */
function tolerateRegionWithoutFirehoseCidr(stack: Stack): void {
  const region = stack.region;
  if (Token.isUnresolved(region) || stack.node.tryFindChild(FIREHOSE_CIDR_MAPPING_ID)) return;
  const mapping: Record<string, Record<string, string>> = {};
  for (const info of RegionInfo.regions) {
    if (info.firehoseCidrBlock) mapping[info.name] = { FirehoseCidrBlock: info.firehoseCidrBlock };
  }
  if (mapping[region] !== undefined) return;
  mapping[region] = { FirehoseCidrBlock: '0.0.0.0/32' };
  new CfnMapping(stack, FIREHOSE_CIDR_MAPPING_ID, { mapping, lazy: true });
}
