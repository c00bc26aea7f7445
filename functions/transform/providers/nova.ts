import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const nova: Provider = {
  id: 'nova',
  vendors: ['amazon'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
