#!/usr/bin/env node
// Launcher: checks the Node version before any .ts is loaded, because older Node cannot strip types and would
// fail with an unhelpful syntax error. This is the only place the requirement is enforced: an `engines` field
// would make `npm ci` on an older system Node print warnings, although the project installs its own Node 22
// (the `node` devDependency), which `npx` and `npm run` put first on the PATH.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `bedrock-o2 needs Node >= 22.18, this is v${process.versions.node}: run it as npx bedrock-o2 (after npm ci), which uses the project's own Node 22\n`,
  );
  process.exit(2);
}
const { main } = await import('../functions/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
