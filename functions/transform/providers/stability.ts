import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const stability: Provider = {
  id: 'stability',
  vendors: ['stability'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
