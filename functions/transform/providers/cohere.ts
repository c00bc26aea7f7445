import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const cohere: Provider = {
  id: 'cohere',
  vendors: ['cohere'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
