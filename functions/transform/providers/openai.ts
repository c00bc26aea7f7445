import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const openai: Provider = {
  id: 'openai',
  vendors: ['openai'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
