import { ReplyEvent, ReplyPolicy } from '../../src/policy';

/** No model loaded: every message is answered with `text` (one delta, then done); `overrides` replace any member. */
export const scriptedPolicy = (text = 'Hi.', overrides: Partial<ReplyPolicy> = {}): ReplyPolicy => ({
  versionName: () => 'scripted',
  isLoaded: () => true,
  assertFits: () => undefined,
  async *reply(): AsyncIterable<ReplyEvent> {
    yield { kind: 'delta', text };
    yield { kind: 'done', text, promptTokens: 1, completionTokens: 1 };
  },
  ...overrides,
});
