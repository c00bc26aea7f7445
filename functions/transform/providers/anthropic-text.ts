import type { Provider } from './provider.ts';

// PLACEHOLDER: not written yet; accepts nothing, so its logs fall back to `generic`.
export const anthropicText: Provider = {
  id: 'anthropic_text',
  vendors: ['anthropic'],
  accepts: () => false,
  normalise: () => ({ operationName: 'chat' }),
};
