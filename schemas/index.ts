// The only barrel in the repo: every contract that crosses a boundary.
export * from './bedrock-invocation-log.ts';
export * from './cloudwatch-logs.ts';
export * from './config.ts';
export * from './firehose.ts';
export * from './invocation-row.ts';
export * from './metric-row.ts';
export * from './price-overrides.ts';
