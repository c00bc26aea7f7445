// Tests must not pick up a developer's OpenObserve or transform settings from the environment.
for (const key of Object.keys(process.env)) {
  if (key.startsWith('OPENOBSERVE_') || key === 'BEDROCK_O2_CONFIG') delete process.env[key];
}
process.env['TZ'] = 'UTC';
