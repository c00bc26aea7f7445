import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const mistral: Provider = {
  id: 'mistral',
  vendors: ['mistral'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
