import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag.ts';

export interface BackupBucketProps {
  /** Delete objects (and, when versioned, noncurrent versions) after this many days. */
  readonly expireAfterDays: number;
  /**
   * Move objects to S3 Standard-IA after this many days.
   * @default - no transition
   */
  readonly infrequentAccessAfterDays?: number;
  /**
   * Turn on versioning.
   * @default false
   */
  readonly versioned?: boolean;
  /**
   * S3 request-metrics filters (CloudWatch `AWS/S3` metrics with a `FilterId` dimension), one per key prefix.
   * @default - none
   */
  readonly requestMetrics?: readonly { readonly id: string; readonly prefix: string }[];
}

/**
 * Where Firehose writes what it could not process or deliver (failed data only). Retained when the stack is
 * deleted: these are the only copies of records that never reached OpenObserve. A rolled-back first deploy
 * removes it (nothing can have been written yet).
 */
export class BackupBucket extends Construct {
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);

    const bucket = new s3.Bucket(this, 'Bucket', {
      // SSE-S3, not KMS: a customer key would add a key policy for the Firehose roles and the replay user,
      // plus per-request KMS cost, for data that is already in OpenObserve when all goes well. Access is
      // controlled by the bucket policy (TLS only) and IAM.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioned ?? false,
      // Kept on delete and replacement (it may hold the only copies of failed records), but removed when its own
      // first deploy rolls back: it is empty then, and a left-over bucket would only be clutter to clean up.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      // Request metrics are billed like custom metrics, and only for periods with requests: here, only when
      // Firehose backs something up.
      ...(props.requestMetrics && {
        metrics: props.requestMetrics.map(({ id, prefix }) => ({ id, prefix })),
      }),
      lifecycleRules: [
        {
          id: 'expire-backups',
          expiration: Duration.days(props.expireAfterDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          ...(props.versioned && { noncurrentVersionExpiration: Duration.days(props.expireAfterDays) }),
          ...(props.infrequentAccessAfterDays !== undefined && {
            transitions: [
              {
                storageClass: s3.StorageClass.INFREQUENT_ACCESS,
                transitionAfter: Duration.days(props.infrequentAccessAfterDays),
              },
            ],
          }),
        },
      ],
    });

    // aws-cdk-lib classes type optional members as `?:`, their interfaces as `| undefined`, which
    // exactOptionalPropertyTypes treats as different; the cast is type-only.
    this.bucket = bucket as s3.IBucket;

    acknowledgeNag(
      bucket,
      'AwsSolutions-S1',
      'Only the Firehose roles write here (failed records, rarely) and only operators read (replay). S3 server access logs would need a second bucket, itself unlogged; use CloudTrail data events if object-level auditing is required.',
    );
  }
}
