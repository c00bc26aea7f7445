import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../schemas/config.ts';
import { loadDeployConfig } from './config.ts';
import { addIngestStacks } from './ingest-stack.ts';

// `cdk synth` / `cdk deploy` entry (cdk.json "app": "node infra/app.ts"): parse the config once, one stack per
// regions[] entry, cdk-nag AwsSolutions on everything (a finding fails synth unless acknowledged in code).
const app = new App();
try {
  addIngestStacks(app, loadDeployConfig(app.node));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
