import packageJson from '../../../package.json' with { type: 'json' };

/** The package version, written into every row as `forwarder_version`. */
export const FORWARDER_VERSION: string = packageJson.version;
