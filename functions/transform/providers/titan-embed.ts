import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const titanEmbed: Provider = {
  id: 'titan_embed',
  vendors: ['amazon'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
