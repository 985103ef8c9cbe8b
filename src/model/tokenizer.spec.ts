import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBpe, tokenizerJson } from './bpe-trainer';
import { chatTokenizerConfig, SPECIAL_TOKENS } from './chat-format';
import { ChatTokenizer } from './tokenizer';

const corpus = [
  'Growth is $59 per seat a month, or $49 with annual billing.',
  'Starter is $29 per seat a month. The Growth plan adds workflow automation.',
  'Do you have a mobile app? Yes, the mobile app is on iOS and Android.',
  "We're a team of 12 people and we need forecasting.",
];

describe('byte-level BPE tokenizer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closer-tok-'));
  const specials = Object.values(SPECIAL_TOKENS);
  let tokenizer: ChatTokenizer;

  beforeAll(async () => {
    const bpe = trainBpe(Array.from({ length: 20 }, () => corpus).flat(), { vocabSize: 400, specialTokens: specials });
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(bpe, specials)));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(chatTokenizerConfig()));
    tokenizer = await ChatTokenizer.load(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('learns merges: frequent words become few tokens', () => {
    expect(tokenizer.encode(' Growth').length).toBe(1);
    expect(tokenizer.encode('Growth is $59 per seat a month').length).toBeLessThan(12);
  });

  it('round-trips any text, including characters never seen in training', () => {
    for (const text of ['Growth is $59 per seat.', 'Ünïcödé, 中文 and emoji 🚀!', '  two  spaces\nand a newline']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('keeps special tokens whole and renders the chat template', () => {
    const prompt = tokenizer.renderChat([
      { role: 'system', content: 'You sell Pipewise.' },
      { role: 'user', content: 'Price?' },
    ]);
    expect(prompt).toBe('<|im_start|>system\nYou sell Pipewise.<|im_end|>\n<|im_start|>user\nPrice?<|im_end|>\n<|im_start|>assistant\n');
    const ids = tokenizer.encode(prompt);
    expect(ids.filter((id) => id === tokenizer.tokenId(SPECIAL_TOKENS.imStart))).toHaveLength(3);
    expect(tokenizer.decode(ids, false)).toBe(prompt);
    expect(tokenizer.decode(ids)).not.toContain('<|im_start|>');
  });
});
