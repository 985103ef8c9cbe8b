import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** tokenizer_config.json's fields this code uses, special tokens reduced to their text. */
export interface TokenizerConfig {
  chat_template: string;
  eos_token?: string | null;
  bos_token?: string | null;
  pad_token?: string | null;
  unk_token?: string | null;
}

const SPECIAL_TOKEN_FIELDS = ['eos_token', 'bos_token', 'pad_token', 'unk_token'] as const;

/** A special token as transformers saves it: the text, or an AddedToken object `{ content, … }`. */
function tokenText(value: unknown): string | null | undefined {
  if (value === null || value === undefined || typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/**
 * The chat template, where transformers looks for it: `chat_template.jinja` (newer saves), else
 * tokenizer_config.json's `chat_template` as a string or as a list of named templates ("default").
 */
function chatTemplate(dir: string, config: Record<string, unknown>, jinjaFile: string | undefined): string {
  if (jinjaFile !== undefined) return jinjaFile;
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const chosen = named.find((x) => x.name === 'default');
    if (typeof chosen?.template === 'string') return chosen.template;
    throw new Error(`${dir}/tokenizer_config.json: chat_template lists ${named.map((x) => JSON.stringify(x.name)).join(', ')} but no "default" template`);
  }
  throw new Error(`${dir}: no chat template (neither chat_template.jinja nor a chat_template in tokenizer_config.json)`);
}

const readOptional = (path: string) => readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));

/** A checkpoint's tokenizer (tokenizer.json) and chat template. */
export class ChatTokenizer {
  private readonly template: Template;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly config: TokenizerConfig,
  ) {
    this.template = new Template(config.chat_template);
  }

  /**
   * Reads tokenizer.json, tokenizer_config.json and chat_template.jinja. Without
   * tokenizer_config.json the template must come from chat_template.jinja and no special token is
   * named (end of reply then comes from config.json / generation_config.json).
   */
  static async load(dir: string): Promise<ChatTokenizer> {
    const [tokenizerText, configText, jinjaFile] = await Promise.all([
      readOptional(join(dir, 'tokenizer.json')),
      readOptional(join(dir, 'tokenizer_config.json')),
      readOptional(join(dir, 'chat_template.jinja')),
    ]);
    if (tokenizerText === undefined) throw new Error(`${dir}: no tokenizer.json (only fast tokenizers in tokenizer.json format are supported)`);
    if (configText === undefined && jinjaFile === undefined) {
      throw new Error(`${dir}: no tokenizer_config.json and no chat_template.jinja, so there is no chat template to build prompts with`);
    }
    const raw = configText === undefined ? {} : (JSON.parse(configText) as Record<string, unknown>);
    const config: TokenizerConfig = { chat_template: chatTemplate(dir, raw, jinjaFile) };
    for (const field of SPECIAL_TOKEN_FIELDS) {
      const text = tokenText(raw[field]);
      if (text !== undefined) config[field] = text;
    }
    return new ChatTokenizer(new Tokenizer(JSON.parse(tokenizerText), { ...raw, ...config }), config);
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: skipSpecialTokens });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** The id of tokenizer_config.json's eos_token, if it names one the vocabulary has. */
  get eosTokenId(): number | undefined {
    return this.config.eos_token ? this.tokenId(this.config.eos_token) : undefined;
  }

  /** The prompt for a conversation, rendered with the checkpoint's own chat template. */
  renderChat(messages: ChatMessage[], addGenerationPrompt = true): string {
    return this.template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: this.config.bos_token ?? '',
      eos_token: this.config.eos_token ?? '',
      pad_token: this.config.pad_token ?? '',
      unk_token: this.config.unk_token ?? '',
    });
  }
}
