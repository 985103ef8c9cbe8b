import { ProductCatalog } from '../catalog';
import { generateCorpus } from '../model/default-model/corpus';
import { HistoryTurn, TurnScoring } from '../scoring';
import { SentenceBuffer } from './sentence-buffer';
import { NON_ANSWER, SentenceGate } from './sentence-gate';

export interface CorpusStops {
  /** Answers read, per intent (`a+b` for two questions in one message). */
  answers: Record<string, number>;
  /** Of those, the ones the non-answer check stopped, each with the visitor message and the answer. */
  stopped: Record<string, { visitor: string; answer: string }[]>;
}

/**
 * The non-answer check on the corpus grammar's own answers, which are right by construction (the
 * catalog's facts for the intent asked): every stop is a false one. Drawn with a seed of its own,
 * so these are not the shipped corpus's dialogues, and nothing here reads a held-out question set.
 */
export async function nonAnswerStopsOnCorpus(catalog: ProductCatalog, intentDialogues: number, seed: number): Promise<CorpusStops> {
  const scoring = new TurnScoring(catalog);
  const corpus = await generateCorpus({ catalog, personas: [], dialogues: 0, intentDialogues, seed });
  const result: CorpusStops = { answers: {}, stopped: {} };
  for (const dialogue of corpus) {
    dialogue.messages.forEach((m, index) => {
      const intents = (dialogue.intents ?? []).filter((x) => x.index === index).map((x) => x.intent);
      if (!intents.length) return;
      const history = dialogue.messages.slice(1, index).map((t): HistoryTurn => ({ role: t.role === 'user' ? 'visitor' : 'agent', text: t.content }));
      const key = intents.join('+');
      result.answers[key] = (result.answers[key] ?? 0) + 1;
      const { stopped } = new SentenceGate(scoring, history).firstPassage(SentenceBuffer.split(m.content), true);
      if (stopped?.includes(NON_ANSWER)) (result.stopped[key] ??= []).push({ visitor: history[history.length - 1].text, answer: m.content });
    });
  }
  return result;
}
