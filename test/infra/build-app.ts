import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addIngestStacks, type IngestStack } from '../../infra/ingest-stack.ts';
import { type DeployConfig, type DeployConfigInput, DeployConfigSchema } from '../../schemas/config.ts';

const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));
const PINNED_NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

/**
 * The Node the project pins (the `node` devDependency, 22.x), for child processes that run `.ts` or load
 * bundles: the test runner itself may have been started by an older system Node.
 */
export const PROJECT_NODE = existsSync(PINNED_NODE) ? PINNED_NODE : process.execPath;

interface CdkJson {
  readonly app: string;
  readonly context: Record<string, unknown> & { readonly bedrockO2: DeployConfigInput };
}

/** cdk.json as committed: the same feature flags and default config `cdk synth` uses. */
export function cdkJson(): CdkJson {
  return JSON.parse(readFileSync(CDK_JSON, 'utf8')) as CdkJson;
}

/** The default config input (the README's offline defaults). */
export function defaultConfigInput(): DeployConfigInput {
  return structuredClone(cdkJson().context.bedrockO2);
}

export function parse(input: DeployConfigInput): DeployConfig {
  return DeployConfigSchema.parse(input);
}

/**
 * A config that turns every optional feature on: created and existing log groups with content settings,
 * managed Bedrock logging with a large-data bucket, an existing secret, an email topic in one region and an
 * existing topic (no metric stream) in the other.
 */
export function fullConfigInput(): DeployConfigInput {
  return {
    openobserve: { url: 'https://o2.example.com/base/', organisation: 'acme' },
    secret: { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:o2-key-Zz9Yx8' },
    regions: [
      {
        account: '123456789012',
        region: 'us-east-1',
        logGroups: [
          { name: '/aws/bedrock/invocations', create: true, retentionDays: 14, contentMode: 'hash' },
          { name: 'other/group', redact: ['\\d{16}'] },
        ],
        bedrockLogging: {
          manage: true,
          logGroupName: '/aws/bedrock/invocations',
          largeDataBucketName: 'my-large-bodies',
        },
      },
      {
        account: '210987654321',
        region: 'eu-west-1',
        stackName: 'O2Ireland',
        metricStream: false,
        secretArn: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:o2-key-AbCdEf',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:210987654321:ops',
        logGroups: [{ name: 'bedrock/model-invocations' }],
      },
    ],
    // Sub-MiB processor buffer and zero retries: values the CDK helper cannot render.
    firehose: { processorBufferMiB: 0.5, processorRetries: 0 },
    alarms: { email: 'ops@example.com' },
    backup: { infrequentAccessAfterDays: 30, versioned: true },
    tags: { team: 'ml-platform' },
  };
}

export interface BuiltApp {
  readonly app: App;
  readonly stacks: readonly IngestStack[];
  /** Template of a stack by name (synthesizes the app, running CloudFormation validation and cdk-nag). */
  template(stackName: string): Template;
}

export interface BuildOptions {
  /** Bundle the Lambda code with esbuild (slow); default: skip bundling. */
  readonly bundle?: boolean;
  /** Where the cloud assembly goes. */
  readonly outdir?: string;
}

/** The app exactly as infra/app.ts builds it, with cdk.json's context and cdk-nag AwsSolutions. */
export function buildApp(config: DeployConfig, options: BuildOptions = {}): BuiltApp {
  const app = new App({
    context: { ...cdkJson().context, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    ...(options.outdir !== undefined && { outdir: options.outdir }),
  });
  const stacks = addIngestStacks(app, config);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let assembly: CloudAssembly | undefined;
  const templates = new Map<string, Template>();
  return {
    app,
    stacks,
    template(stackName) {
      const stack = stacks.find((candidate) => candidate.stackName === stackName);
      if (!stack) throw new Error(`no stack ${stackName}`);
      let template = templates.get(stackName);
      if (!template) {
        // One synth per app (validation and cdk-nag run there); Template.fromStack would synth per stack.
        assembly ??= app.synth();
        template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
        templates.set(stackName, template);
      }
      return template;
    },
  };
}

/** Resources of one type as [logicalId, resource] pairs. */
export function resourcesOfType(
  template: Template,
  type: string,
): [string, { Properties: Record<string, unknown>; DependsOn?: string[] }][] {
  return Object.entries(template.findResources(type)) as [
    string,
    { Properties: Record<string, unknown>; DependsOn?: string[] },
  ][];
}

/** The logical id of the single resource of a type whose properties match. */
export function logicalIdOf(template: Template, type: string, props?: Record<string, unknown>): string {
  const found = Object.keys(template.findResources(type, props ? { Properties: props } : undefined));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as string;
}

/** Asset hashes depend on the bundling command (absolute paths) and the code; the snapshot is about resources. */
export function normaliseTemplate(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

export interface ResourceJson {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DependsOn?: string[];
}

/** One resource of a template by logical id. */
export function resourceById(template: Template, logicalId: string): ResourceJson {
  const resources = template.toJSON()['Resources'] as Record<string, ResourceJson>;
  const resource = resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return resource;
}

/** Environment variables of a Lambda function by logical id. */
export function lambdaEnvironment(template: Template, logicalId: string): Record<string, string> {
  const environment = resourceById(template, logicalId).Properties['Environment'] as
    | { Variables: Record<string, string> }
    | undefined;
  return environment?.Variables ?? {};
}
