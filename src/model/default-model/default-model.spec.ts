import { join } from 'node:path';
import { shippedCatalog } from '../../catalog';
import { checkCompliance, defaultComplianceRules } from '../../scoring';
import { ChatModel } from '../chat-model';
import { systemPrompt } from '../../catalog';

const defaultCatalog = shippedCatalog();

/** The shipped model (models/default, committed; rebuilt by `npm run build:model`). */
describe('default model', () => {
  let model: ChatModel;
  beforeAll(async () => {
    model = await ChatModel.load(join(__dirname, '..', '..', '..', 'models', 'default'), { capacity: 256 });
  });
  afterAll(() => model.release());

  it('answers pricing questions with a real catalog price far more often than chance', async () => {
    const questions = ['How much does it cost?', 'What is the price of the Growth plan?', 'Can you tell me about pricing?', 'What does Starter cost per seat?'];
    const replies: string[] = [];
    for (const question of questions) {
      const prompt = model.promptIds([{ role: 'system', content: systemPrompt(defaultCatalog) }, { role: 'user', content: question }], 60);
      const results = await model.generator.generate(Array.from({ length: 6 }, () => prompt), { maxNewTokens: 60, temperature: 0.7, topP: 0.95, seed: 11 });
      replies.push(...results.map((r) => r.text));
    }
    const correct = replies.filter((text) => /\$\s?\d/.test(text) && !checkCompliance(text, [], defaultCatalog, defaultComplianceRules).some((v) => v.ruleId === 'catalog-price'));
    // Chance: a dollar amount drawn from $1–$200 is one of the catalog's 6 per-seat prices 3% of the time.
    const chance = 6 / 200;
    const rate = correct.length / replies.length;
    expect(rate).toBeGreaterThan(0.5);
    expect(rate).toBeGreaterThan(chance + 3 * Math.sqrt((chance * (1 - chance)) / replies.length));
  });
});
