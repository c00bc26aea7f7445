import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const cohereEmbed: Provider = {
  id: 'cohere_embed',
  vendors: ['cohere'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
