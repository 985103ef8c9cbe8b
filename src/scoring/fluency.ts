import { words } from './text';
import { ScoreResult, TurnInput, TurnScorer } from './types';

const DANGLING = new Set(['and', 'or', 'but', 'the', 'a', 'an', 'to', 'of', 'with', 'for', 'is', 'are', 'our', 'your']);
const TOKENIZER_DEBRIS = /[ĠĊ\uFFFD]|<\|[a-z_]+\|>|<\/?s>/;
export const FLUENCY_LENGTH_BAND = { minWords: 2, maxWords: 180 };

/**
 * Fluency, in [0, 1] (higher is better): 1 minus penalties for an unfinished sentence (0.3, or 0.4
 * when it ends on a dangling word), a degenerate loop (0.5), broken words or tokenizer debris
 * (0.2 each, up to 0.6), and a length outside the band (0.3).
 */
export class FluencyScorer implements TurnScorer {
  readonly name = 'fluency';
  readonly version = '1';

  score({ text }: TurnInput): ScoreResult {
    const tokens = words(text);
    const issues: string[] = [];
    let penalty = 0;

    const trimmed = text.trim();
    const last = tokens[tokens.length - 1];
    if (last && DANGLING.has(last) && !/[.!?]$/.test(trimmed)) {
      issues.push(`ends on "${last}"`);
      penalty += 0.4;
    } else if (!/[.!?)"'’…:]$|\p{Extended_Pictographic}$/u.test(trimmed)) {
      issues.push('unfinished last sentence');
      penalty += 0.3;
    }

    const loop = findLoop(tokens);
    if (loop) {
      issues.push(`repeats "${loop}"`);
      penalty += 0.5;
    }

    const broken = text.split(/\s+/).filter((w) => TOKENIZER_DEBRIS.test(w) || /\p{L}{26,}/u.test(w) || /\p{Ll}\p{Lu}{2,}/u.test(w));
    if (broken.length) {
      issues.push(`broken words: ${broken.slice(0, 3).join(', ')}`);
      penalty += Math.min(0.6, 0.2 * broken.length);
    }

    if (tokens.length < FLUENCY_LENGTH_BAND.minWords || tokens.length > FLUENCY_LENGTH_BAND.maxWords) {
      issues.push(`length ${tokens.length} words outside ${FLUENCY_LENGTH_BAND.minWords}-${FLUENCY_LENGTH_BAND.maxWords}`);
      penalty += 0.3;
    }

    return { scorer: this.name, version: this.version, score: Math.max(0, 1 - penalty), evidence: { issues, words: tokens.length } };
  }
}

/** A word or a word pair repeated three times in a row (a decoding loop), if any. */
function findLoop(tokens: string[]): string | undefined {
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (tokens[i] === tokens[i + 1] && tokens[i] === tokens[i + 2]) return tokens[i];
  }
  for (let i = 0; i + 5 < tokens.length; i++) {
    const pair = `${tokens[i]} ${tokens[i + 1]}`;
    if (pair === `${tokens[i + 2]} ${tokens[i + 3]}` && pair === `${tokens[i + 4]} ${tokens[i + 5]}`) return pair;
  }
  return undefined;
}
