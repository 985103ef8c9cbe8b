import type { ChatMessage, ChatTokenizer } from '../model';
import type { ReplyOptions } from './reply-policy';

/** A loaded model as a reply request needs it: `ServedModel` and `ChatModel` both are one. */
export interface PromptingModel {
  readonly tokenizer: ChatTokenizer;
  promptIds(messages: ChatMessage[], reserve: number, assistantPrefix?: string): number[];
}

/**
 * What a reply's generation is asked for, from a policy's options: the prompt (ending with the
 * prefix already sent, if any), the tokens left for the reply, its seed, and the tokens it may not
 * start with, those that begin the openings it must avoid (`ReplyOptions.avoidOpenings`).
 */
export function replyRequest(model: PromptingModel, messages: ChatMessage[], { seed, prefix = '', avoidOpenings = [] }: ReplyOptions, replyMaxTokens: number) {
  // A continuation gets what is left of the reply's length, so a regenerated reply is no longer than a first one.
  const maxNewTokens = Math.max(1, replyMaxTokens - (prefix ? model.tokenizer.encode(prefix).length : 0));
  const prompt = model.promptIds(messages, maxNewTokens, prefix);
  const beginSuppressTokens = [...new Set(avoidOpenings.flatMap((text) => openingTokens(model.tokenizer, text.trim())))];
  return { prompt, maxNewTokens, seed, beginSuppressTokens };
}

/** Longer than any token's text in the vocabularies Closer serves. */
const MAX_TOKEN_CHARS = 24;

/**
 * The tokens a generation that opens like `text` can start with, however it tokenized it: each
 * prefix of the text that is one token, with or without a leading space (a reply's text is trimmed:
 * "16 seats…" may have started with "1", "16" or " 16").
 */
function openingTokens(tokenizer: ChatTokenizer, text: string): number[] {
  const ids: number[] = [];
  for (let chars = 1; chars <= Math.min(text.length, MAX_TOKEN_CHARS); chars++) {
    for (const lead of ['', ' ']) {
      const encoded = tokenizer.encode(lead + text.slice(0, chars));
      if (encoded.length === 1) ids.push(encoded[0]);
    }
  }
  return ids;
}
