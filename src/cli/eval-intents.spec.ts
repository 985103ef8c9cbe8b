import { Command } from 'commander';
import { shippedCatalog } from '../catalog';
import { ChatModel } from '../model';
import { gradeAnswer } from '../model/default-model/intent-grader';
import { QUESTION_SETS } from '../model/default-model/question-sets';
import { registerEvalIntents } from './eval-intents';

/** Every reply is the disclosure: right only where the question asked for it (or names nothing else). */
const REPLY = "I'm an AI assistant for Pipewise.";

describe('closer eval-intents --set', () => {
  let log: jest.SpyInstance;
  let prompts: number;
  beforeEach(() => {
    prompts = 0;
    const fake = {
      promptIds: () => [1],
      generator: { generate: async (batch: number[][]) => ((prompts += batch.length), batch.map(() => ({ text: REPLY }))) },
      release: async () => undefined,
    };
    jest.spyOn(ChatModel, 'load').mockResolvedValue(fake as unknown as ChatModel);
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const run = async (...args: string[]) => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerEvalIntents(program);
    await program.parseAsync(['eval-intents', '--samples', '2', ...args], { from: 'user' });
    return log.mock.calls.slice(0, 2).map(([line]) => JSON.parse(line as string));
  };

  it('grades the intent set by default, greedy then sampled', async () => {
    const [greedy, sampled] = await run();
    const n = QUESTION_SETS.intent.length;
    expect([greedy.mode, greedy.set, greedy.overall.answers, sampled.mode, sampled.overall.answers]).toEqual(['greedy', 'intent', n, 'sampled', 2 * n]);
    expect(prompts).toBe(3 * n);
  });

  it('grades the paraphrase set and counts disclosures given instead of an answer', async () => {
    const [greedy] = await run('--set', 'paraphrase');
    const set = QUESTION_SETS.paraphrase;
    expect([greedy.set, greedy.overall.answers]).toEqual(['paraphrase', set.length]);
    const wrong = (items: typeof set) => items.filter((i) => !i.discloseAi && !gradeAnswer(i, REPLY, shippedCatalog()).right).length;
    const identityWords = set.filter((i) => i.identityWords);
    expect(greedy.disclosedInstead).toEqual({
      all: { answers: set.filter((i) => !i.discloseAi).length, disclosed: wrong(set) },
      identityWords: { answers: identityWords.length, disclosed: wrong(identityWords) },
    });
    expect(greedy.disclosedInstead.identityWords.disclosed).toBeGreaterThan(40);
    expect(log.mock.calls.some(([line]) => /AI disclosure instead of an answer: \d+ \/ \d+ replies/.test(String(line)))).toBe(true);
  });

  it('refuses an unknown set before loading a model', async () => {
    await expect(run('--set', 'paraphrases')).rejects.toThrow(/Allowed choices are intent, paraphrase/);
    expect(ChatModel.load).not.toHaveBeenCalled();
  });
});
