import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const titanText: Provider = {
  id: 'titan_text',
  vendors: ['amazon'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
