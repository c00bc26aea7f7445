import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const deepseek: Provider = {
  id: 'deepseek',
  vendors: ['deepseek'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
