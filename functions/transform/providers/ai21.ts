import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const ai21: Provider = {
  id: 'ai21',
  vendors: ['ai21'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
