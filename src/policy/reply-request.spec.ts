import { join } from 'node:path';
import { ChatTokenizer, conversationPromptIds } from '../model';
import { PromptingModel, replyRequest } from './reply-request';

describe('replyRequest (the default model\'s tokenizer)', () => {
  let tokenizer: ChatTokenizer;
  let model: PromptingModel;
  const messages = [{ role: 'user' as const, content: 'Budgeting for 16 Growth users on monthly. What number do I put in my budget?' }];
  const one = (text: string) => {
    const ids = tokenizer.encode(text);
    expect(ids).toHaveLength(1);
    return ids[0];
  };
  beforeAll(async () => {
    tokenizer = await ChatTokenizer.load(join(__dirname, '..', '..', 'models', 'default'));
    model = { tokenizer, promptIds: (messages, reserve, prefix) => conversationPromptIds(tokenizer, 512, messages, reserve, prefix) };
  });

  it('an opening to avoid suppresses every token it could have started with, with or without a space', () => {
    const { beginSuppressTokens } = replyRequest(model, messages, { seed: 1, avoidOpenings: ['16 seats on Growth billed monthly.', ' 16 seats again.'] }, 120);
    expect(beginSuppressTokens).toEqual(expect.arrayContaining([one('1'), one('16'), one(' 16')]));
    expect(new Set(beginSuppressTokens).size).toBe(beginSuppressTokens.length);
    expect(beginSuppressTokens).not.toContain(one('15'));
    expect(replyRequest(model, messages, { seed: 1 }, 120).beginSuppressTokens).toEqual([]);
  });

  it('a continuation gets what is left of the reply length, and its prompt ends with the prefix', () => {
    const prefix = 'Growth is $59 per seat a month.';
    const whole = replyRequest(model, messages, { seed: 2 }, 120);
    const continued = replyRequest(model, messages, { seed: 2, prefix }, 120);
    expect(continued.maxNewTokens).toBe(120 - tokenizer.encode(prefix).length);
    expect(continued.prompt.slice(0, whole.prompt.length)).toEqual(whole.prompt);
    expect(tokenizer.decode(continued.prompt.slice(whole.prompt.length))).toBe(prefix);
  });
});
