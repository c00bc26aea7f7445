// Types of genai-prices-aws.js: the package's own, since that module is the package's code with less data.
export * from '@pydantic/genai-prices';
