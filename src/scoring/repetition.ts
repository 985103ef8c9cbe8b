import { containment, ngrams, sentences, words } from './text';
import { ScoreResult, TurnInput, TurnScorer } from './types';

const N = 3;

function sentenceGrams(sentence: string): string[] {
  const tokens = words(sentence);
  // Short sentences are compared whole, so "Sounds good." repeated still counts.
  return tokens.length < N ? [tokens.join(' ')].filter(Boolean) : ngrams(tokens, N);
}

/**
 * Repetition, in [0, 1] (higher is worse): for each sentence of the agent turn, the share of its
 * word trigrams already said, either by the agent earlier in the session (inter-sentence
 * repetition, the paper's signal) or earlier in this same turn; averaged over the turn's sentences.
 */
export class RepetitionScorer implements TurnScorer {
  readonly name = 'repetition';
  readonly version = '1';

  score({ text, history }: TurnInput): ScoreResult {
    const earlier = new Set(history.filter((t) => t.role === 'agent').flatMap((t) => sentences(t.text).flatMap(sentenceGrams)));
    const withinTurn = new Set<string>();
    const perSentence = sentences(text).map((s) => {
      const grams = sentenceGrams(s);
      const inter = containment(grams, earlier);
      const intra = containment(grams, withinTurn);
      grams.forEach((g) => withinTurn.add(g));
      return { sentence: s, inter, intra };
    });
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const inter = mean(perSentence.map((p) => p.inter));
    const intra = mean(perSentence.map((p) => p.intra));
    return {
      scorer: this.name,
      version: this.version,
      score: mean(perSentence.map((p) => Math.max(p.inter, p.intra))),
      evidence: {
        interSentence: inter,
        withinTurn: intra,
        repeatedSentences: perSentence.filter((p) => Math.max(p.inter, p.intra) >= 0.5).map((p) => p.sentence),
      },
    };
  }
}
