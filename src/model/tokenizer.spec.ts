import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBpe, tokenizerJson } from './bpe-trainer';
import { chatTokenizerConfig, SPECIAL_TOKENS } from './chat-format';
import { readGenerationConfig } from './generation-config';
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

describe('tokenizer and template files as Hugging Face checkpoints ship them', () => {
  const root = mkdtempSync(join(tmpdir(), 'closer-tokfiles-'));
  const specials = Object.values(SPECIAL_TOKENS);
  const bpe = trainBpe(corpus, { vocabSize: 300, specialTokens: specials });
  const addedToken = (content: string) => ({ __type: 'AddedToken', content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true });
  const BOS_TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m['content'] + eos_token }}{% endfor %}";
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A folder with tokenizer.json and the given extra files. */
  const folder = (name: string, files: Record<string, unknown>) => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(bpe, specials)));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  };

  it('AddedToken objects for bos/eos render as their text and give the EOS id', async () => {
    const dir = folder('added', { 'tokenizer_config.json': { chat_template: BOS_TEMPLATE, bos_token: addedToken(SPECIAL_TOKENS.endOfText), eos_token: addedToken(SPECIAL_TOKENS.imEnd) } });
    const tok = await ChatTokenizer.load(dir);
    expect(tok.renderChat([{ role: 'user', content: 'Hi' }])).toBe('<|endoftext|>Hi<|im_end|>');
    expect(tok.eosTokenId).toBe(tok.tokenId(SPECIAL_TOKENS.imEnd));
    expect(tok.eosTokenId).toBeDefined();
  });

  it('a list of named templates uses "default"; without one it names those it has', async () => {
    const list = [
      { name: 'tool_use', template: 'TOOLS' },
      { name: 'default', template: BOS_TEMPLATE },
    ];
    const tok = await ChatTokenizer.load(folder('list', { 'tokenizer_config.json': { chat_template: list, eos_token: '<|im_end|>' } }));
    expect(tok.renderChat([{ role: 'user', content: 'Hi' }])).toBe('Hi<|im_end|>');
    const none = folder('list-nodefault', { 'tokenizer_config.json': { chat_template: [list[0]] } });
    await expect(ChatTokenizer.load(none)).rejects.toThrow(`${none}/tokenizer_config.json: chat_template lists "tool_use" but no "default" template`);
  });

  it('chat_template.jinja is used (with or without tokenizer_config.json)', async () => {
    const withConfig = await ChatTokenizer.load(folder('jinja', { 'chat_template.jinja': '{{ messages[0].content }}!', 'tokenizer_config.json': { eos_token: '<|im_end|>' } }));
    expect(withConfig.renderChat([{ role: 'user', content: 'Hi' }])).toBe('Hi!');
    const alone = await ChatTokenizer.load(folder('jinja-alone', { 'chat_template.jinja': '{{ messages[0].content }}?' }));
    expect(alone.renderChat([{ role: 'user', content: 'Hi' }])).toBe('Hi?');
    expect(alone.eosTokenId).toBeUndefined();
  });

  it('missing files are named, not raw ENOENT', async () => {
    const bare = folder('bare', {});
    await expect(ChatTokenizer.load(bare)).rejects.toThrow(`${bare}: no tokenizer_config.json and no chat_template.jinja, so there is no chat template to build prompts with`);
    const noTemplate = folder('no-template', { 'tokenizer_config.json': { eos_token: '<|im_end|>' } });
    await expect(ChatTokenizer.load(noTemplate)).rejects.toThrow(`${noTemplate}: no chat template (neither chat_template.jinja nor a chat_template in tokenizer_config.json)`);
    await expect(ChatTokenizer.load(join(root, 'nowhere'))).rejects.toThrow('no tokenizer.json');
  });

  it('generation_config.json: EOS ids and sampling defaults (do_sample false is greedy)', async () => {
    const sampled = folder('gen', { 'generation_config.json': { eos_token_id: [7, 9], do_sample: true, temperature: 0.6, top_p: 0.9, top_k: 20, repetition_penalty: 1.05 } });
    expect(await readGenerationConfig(sampled)).toEqual({ eosTokenIds: [7, 9], sampling: { temperature: 0.6, topP: 0.9, topK: 20, repetitionPenalty: 1.05 } });
    const greedy = folder('gen-greedy', { 'generation_config.json': { eos_token_id: 3, do_sample: false, temperature: 0.6 } });
    expect(await readGenerationConfig(greedy)).toEqual({ eosTokenIds: [3], sampling: { temperature: 0 } });
    expect(await readGenerationConfig(folder('gen-none', {}))).toEqual({ eosTokenIds: [], sampling: {} });
  });
});
