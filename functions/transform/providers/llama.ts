import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const llama: Provider = {
  id: 'llama',
  vendors: ['meta'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
