/**
 * Cuts streamed text into sentences as they complete. A sentence ends at `.`, `!` or `?` followed
 * by whitespace, or at a line break: the same boundaries as the scorers' `sentences()`, so a sentence
 * checked here is a sentence there. The end of a sentence is known only once the whitespace after it
 * arrives ("$49" then ".99" is one amount), so the last one is released by `end()`.
 */
export class SentenceBuffer {
  private pending = '';

  /** The sentences of a whole text. */
  static split(text: string): string[] {
    const buffer = new SentenceBuffer();
    return [...buffer.push(text), ...buffer.end()];
  }

  /** Adds streamed text; returns the sentences it completed, trimmed, in order. */
  push(text: string): string[] {
    this.pending += text;
    const out: string[] = [];
    for (let cut = boundary(this.pending); cut; cut = boundary(this.pending)) {
      const sentence = this.pending.slice(0, cut.index).trim();
      if (sentence) out.push(sentence);
      this.pending = this.pending.slice(cut.index + cut.length);
    }
    return out;
  }

  /** The text after the last boundary: the final sentence, or nothing. */
  end(): string[] {
    const rest = this.pending.trim();
    this.pending = '';
    return rest ? [rest] : [];
  }
}

/** Where the first sentence of `text` ends: the offset of the separator after it, and its length. */
function boundary(text: string): { index: number; length: number } | undefined {
  const m = /(?<=[.!?])\s+|\n+/.exec(text);
  // Trailing whitespace after punctuation may still grow; it ends the sentence all the same.
  return m ? { index: m.index, length: m[0].length } : undefined;
}
