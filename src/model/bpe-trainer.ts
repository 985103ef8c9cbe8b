/**
 * A byte-level BPE trainer (GPT-2 style) that writes a Hugging Face `tokenizer.json`. No kept
 * JavaScript library trains BPE, so this is ours; the result is loaded with
 * @huggingface/tokenizers like any Hub tokenizer.
 */

/** GPT-2's pre-tokenization: contractions, letters, numbers, other symbols, whitespace runs. */
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's reversible map from bytes to printable characters (space becomes "Ġ"). */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return map;
}

export interface BpeTrainingOptions {
  vocabSize: number;
  /** Added first, with ids 0..n-1, never split. */
  specialTokens: string[];
  /** Pairs seen fewer times are not merged. */
  minFrequency?: number;
}

export interface TrainedBpe {
  vocab: Map<string, number>;
  merges: [string, string][];
}

export function trainBpe(texts: Iterable<string>, o: BpeTrainingOptions): TrainedBpe {
  const byteChars = bytesToUnicode();
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(PRE_TOKENIZE)) wordCounts.set(m[0], (wordCounts.get(m[0]) ?? 0) + 1);
  }
  const words = [...wordCounts].map(([w, count]) => ({ symbols: Array.from(encoder.encode(w), (b) => byteChars[b]), count }));

  const vocab = new Map<string, number>();
  for (const t of o.specialTokens) vocab.set(t, vocab.size);
  for (const c of [...byteChars].sort()) vocab.set(c, vocab.size);
  const merges: [string, string][] = [];
  const minFrequency = o.minFrequency ?? 2;

  while (vocab.size < o.vocabSize) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    // Highest count wins; ties go to the lexicographically smallest pair, so training is deterministic.
    for (const [key, count] of pairs) if (count > bestCount || (count === bestCount && best !== undefined && key < best)) [best, bestCount] = [key, count];
    if (!best || bestCount < minFrequency) break;
    const [a, b] = best.split('\u0000');
    const merged = a + b;
    merges.push([a, b]);
    if (!vocab.has(merged)) vocab.set(merged, vocab.size);
    for (const word of words) {
      const s = word.symbols;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) s.splice(i, 2, merged);
    }
  }
  return { vocab, merges };
}

/** The Hugging Face `tokenizer.json` for a trained byte-level BPE. */
export function tokenizerJson(bpe: TrainedBpe, specialTokens: string[]): Record<string, unknown> {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content) => ({
      id: bpe.vocab.get(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(bpe.vocab),
      merges: bpe.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}
