import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const qwen: Provider = {
  id: 'qwen',
  vendors: ['qwen'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
