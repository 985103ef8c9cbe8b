import { SPECIAL_TOKENS } from '../chat-format';
import { ChatMessage, ChatTokenizer } from '../tokenizer';

export interface TokenizedDialogue {
  ids: number[];
  /** 1 where the token is part of an assistant reply (its content and closing <|im_end|>). */
  trainable: number[];
}

/** Tokenizes a ChatML dialogue segment by segment, marking which tokens the SFT loss covers. */
export function tokenizeDialogue(tokenizer: ChatTokenizer, messages: ChatMessage[]): TokenizedDialogue {
  const ids: number[] = [];
  const trainable: number[] = [];
  const push = (text: string, train: boolean) => {
    for (const id of tokenizer.encode(text)) {
      ids.push(id);
      trainable.push(train ? 1 : 0);
    }
  };
  for (const m of messages) {
    push(`${SPECIAL_TOKENS.imStart}${m.role}\n`, false);
    push(`${m.content}${SPECIAL_TOKENS.imEnd}`, m.role === 'assistant');
    push('\n', false);
  }
  return { ids, trainable };
}

export interface PackedBatch {
  inputIds: BigInt64Array;
  targetIds: BigInt64Array;
  lossMask: Float32Array;
}

/**
 * Concatenates dialogues (separated by <|endoftext|>) and cuts them into windows of `seq + 1`
 * tokens: inputs are the first `seq`, targets the last `seq`, scored where the target is trainable.
 */
export function packWindows(dialogues: TokenizedDialogue[], seq: number, separator: number): { ids: number[]; trainable: number[] }[] {
  const ids: number[] = [];
  const trainable: number[] = [];
  for (const d of dialogues) {
    ids.push(...d.ids, separator);
    trainable.push(...d.trainable, 0);
  }
  const windows: { ids: number[]; trainable: number[] }[] = [];
  for (let start = 0; start + seq + 1 <= ids.length; start += seq) {
    windows.push({ ids: ids.slice(start, start + seq + 1), trainable: trainable.slice(start, start + seq + 1) });
  }
  return windows;
}

export function batchOf(windows: { ids: number[]; trainable: number[] }[], seq: number): PackedBatch {
  const B = windows.length;
  const inputIds = new BigInt64Array(B * seq);
  const targetIds = new BigInt64Array(B * seq);
  const lossMask = new Float32Array(B * seq);
  windows.forEach((w, b) => {
    for (let t = 0; t < seq; t++) {
      inputIds[b * seq + t] = BigInt(w.ids[t]);
      targetIds[b * seq + t] = BigInt(w.ids[t + 1]);
      lossMask[b * seq + t] = w.trainable[t + 1];
    }
  });
  return { inputIds, targetIds, lossMask };
}
