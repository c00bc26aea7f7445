#!/usr/bin/env node
// Launcher: checks the Node version before any .ts is loaded, because older Node cannot strip types and would
// fail with an unhelpful syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`bedrock-o2 needs Node >= 22.18; this is v${process.versions.node}\n`);
  process.exit(2);
}
const { main } = await import('../functions/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
