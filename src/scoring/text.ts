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
