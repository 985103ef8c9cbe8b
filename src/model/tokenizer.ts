import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A checkpoint's tokenizer (tokenizer.json) and chat template (tokenizer_config.json). */
export class ChatTokenizer {
  private readonly template: Template;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly config: { chat_template: string; eos_token?: string; bos_token?: string | null },
  ) {
    this.template = new Template(config.chat_template);
  }

  static async load(dir: string): Promise<ChatTokenizer> {
    const json = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    const config = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    if (typeof config.chat_template !== 'string') throw new Error(`${dir}/tokenizer_config.json has no chat_template`);
    return new ChatTokenizer(new Tokenizer(json, config), config);
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

  /** The prompt for a conversation, rendered with the checkpoint's own chat template. */
  renderChat(messages: ChatMessage[], addGenerationPrompt = true): string {
    return this.template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: this.config.bos_token ?? '',
      eos_token: this.config.eos_token ?? '',
    });
  }
}
