import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const titanImage: Provider = {
  id: 'titan_image',
  vendors: ['amazon'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
