/** Small text utilities shared by the scorers and the simulator. */

/** Sentences: split after . ! ? (or a line break), keeping non-empty trimmed pieces. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Lower-case word tokens (letters, digits, apostrophes, $ amounts and percentages kept whole). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/\$?\d+(?:[.,]\d+)*%?|[\p{L}][\p{L}'’-]*/gu) ?? [];
}

export function ngrams(tokens: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
  return out;
}

/** Share of `a`'s n-grams that also occur in `b` (0 when `a` has none). */
export function containment(a: string[], b: Set<string>): number {
  if (a.length === 0) return 0;
  return a.filter((g) => b.has(g)).length / a.length;
}

export function containsAny(text: string, phrases: string[]): string[] {
  const lower = text.toLowerCase();
  return phrases.filter((p) => lower.includes(p));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A case-insensitive pattern matching any of `phrases` as whole words ("app" matches "the app",
 * not "happy"; "api" matches "API." but not "capital").
 */
export function wholePhrasePattern(phrases: string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${phrases.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

/** Function words that carry no information of their own (for "did the reply add anything?"). */
const STOPWORDS = new Set(
  (
    'a an the and or but if so to of in on at by for with from as is are was were be been being it its this that these those ' +
    'i me my we our us you your he she they them their what which who how when where why do does did done have has had can could ' +
    'will would shall should may might must not no yes just really also very too here there then than about into out up down ' +
    "all any some more most much many each every other such only own same again still yet it's that's i'm you're we're there's " +
    "don't doesn't isn't aren't can't won't let's ok okay sure well oh hi hey hello thanks thank please"
  ).split(' '),
);

/** The words of `text` that carry content (no function words), lower-cased. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => !STOPWORDS.has(w));
}

const MONEY = /\$\s?(\d+(?:,\d{3})*(?:\.\d{1,2})?)|\b(\d+(?:\.\d{1,2})?)\s?(?:dollars|usd)\b/gi;

/** Every money amount in `text` ("$1,225", "49 dollars"), with the text that stated it. */
export function moneyAmounts(text: string): { match: string; amount: number }[] {
  return [...text.matchAll(MONEY)].map((m) => ({ match: m[0], amount: Number((m[1] ?? m[2]).replace(/,/g, '')) }));
}

/** Visitors type fast: "humaan", "thhis" read as the words they meant (a second reading, beside the text as typed). */
export const withoutDoubledLetters = (text: string) => text.replace(/([a-z])\1+/gi, '$1');

/** No vocabulary word is longer, and a swap keeps the length: a longer run of letters is left as it is (and costs nothing). */
const LONGEST_FIXED_WORD = 24;

/**
 * Undoes one swap of adjacent letters in words of 4+ letters that are not in `vocabulary` but
 * become a vocabulary word when swapped back ("ppieline" → "pipeline"), the typo visitors make.
 */
export function fixTranspositions(text: string, vocabulary: Set<string>): string {
  return text.replace(/\p{L}{4,}/gu, (word) => {
    if (word.length > LONGEST_FIXED_WORD) return word;
    const lower = word.toLowerCase();
    if (vocabulary.has(lower)) return word;
    for (let i = 0; i + 1 < lower.length; i++) {
      const swapped = lower.slice(0, i) + lower[i + 1] + lower[i] + lower.slice(i + 2);
      if (vocabulary.has(swapped)) return swapped;
    }
    return word;
  });
}
