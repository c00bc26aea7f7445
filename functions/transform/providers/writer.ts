import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const writer: Provider = {
  id: 'writer',
  vendors: ['writer'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
