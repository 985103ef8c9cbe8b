import { ProductCatalog } from '../../catalog';
import { Persona } from '../../simulator';
import { SPECIAL_TOKENS } from '../chat-format';
import { ChatTokenizer } from '../tokenizer';
import { generateCorpus } from './corpus';
import { packWindows, tokenizeDialogue } from './sft-data';

/** build-model's corpus sizes and seed by default: the corpus `intent-corpus.spec` checks against the question sets. */
export const DEFAULT_CORPUS = { dialogues: 3000, intentDialogues: 30000, seed: 1 } as const;

export interface RehearsalDataOptions {
  catalog: ProductCatalog;
  personas: Persona[];
  /** The model folder whose tokenizer writes the windows. */
  modelDir: string;
  /** Training row length; windows hold one token more. */
  seq: number;
  /** Intent dialogues used (the first of the corpus); an RL run draws a few hundred windows. */
  dialogues: number;
}

/**
 * What the finishing step replays while it trains on the simulator: intent dialogues of the
 * default corpus (so never a held-out question: the spec checks that corpus), in the model's own
 * tokens, packed like its SFT windows.
 */
export async function rehearsalWindows(o: RehearsalDataOptions): Promise<{ ids: number[]; trainable: number[] }[]> {
  const corpus = await generateCorpus({ catalog: o.catalog, personas: o.personas, ...DEFAULT_CORPUS });
  const tokenizer = await ChatTokenizer.load(o.modelDir);
  const intents = corpus.filter((d) => d.intents).slice(0, o.dialogues);
  if (intents.length < o.dialogues) throw new Error(`the default corpus holds ${intents.length} intent dialogues, not ${o.dialogues}`);
  return packWindows(
    intents.map((d) => tokenizeDialogue(tokenizer, d.messages)),
    o.seq,
    tokenizer.tokenId(SPECIAL_TOKENS.endOfText)!,
  );
}
