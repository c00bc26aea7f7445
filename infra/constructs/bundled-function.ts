import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag.ts';

/** Repository root: esbuild resolves `node_modules` and `tsconfig.json` from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Resolve a repository-relative path (entry files). */
export function projectPath(relative: string): string {
  return fileURLToPath(new URL(relative, new URL('../../', import.meta.url)));
}

/**
 * ESM bundles of CommonJS dependencies call `require` for Node built-ins; ESM has none, so define it.
 * The alias avoids clashing with anything esbuild emits.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __bedrockO2CreateRequire } from 'node:module'; const require = __bedrockO2CreateRequire(import.meta.url);";

export interface BundledFunctionProps {
  /** Absolute path of the TypeScript module that exports `handler`. */
  readonly entry: string;
  /** Shown in the Lambda console. */
  readonly description: string;
  /**
   * Memory in MiB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Function timeout.
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * Environment variables (the caller checks the 4 KB limit).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Bundle the AWS SDK clients the entry imports instead of using the runtime's copy. For functions that
   * send fields newer than the SDK the runtime happens to carry (its serializer drops unknown fields
   * silently); it costs bundle size and cold-start time, so the processors keep the runtime's SDK.
   * @default false
   */
  readonly bundleAwsSdk?: boolean;
}

/**
 * A Node.js 22 arm64 function bundled by esbuild from devDependencies (never Docker), with its own log group
 * and a role that may write only to that log group. Callers add their permissions to `role`.
 */
export class BundledFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of the default one, which attaches the AWSLambdaBasicExecutionRole managed policy
    // (logs on every log group in the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      environment: { ...props.environment },
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: projectPath('package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // ESM-first resolution so dependencies are tree-shaken as modules.
        mainFields: ['module', 'main'],
        // The Node.js 22 runtime provides AWS SDK v3; unless asked, bundling it would only add cold-start weight.
        externalModules: props.bundleAwsSdk ? [] : ['@aws-sdk/*'],
        banner: ESM_REQUIRE_BANNER,
        forceDockerBundling: false,
      },
    });

    acknowledgeNag(
      this.function,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the project builds, type-checks and tests against Node 22 (the node devDependency and the version check in bin/bedrock-o2.mjs); moving to a newer runtime is a deliberate upgrade.',
    );
  }
}
