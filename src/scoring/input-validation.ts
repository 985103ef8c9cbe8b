/** Longest turn text accepted anywhere (chat, scoring, simulator), in characters. */
export const MAX_TURN_CHARS = 8000;

export type TextInputErrorCode = 'empty_text' | 'text_too_long' | 'invalid_characters';

export class TextInputError extends Error {
  constructor(
    readonly code: TextInputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TextInputError';
  }
}

// C0/C1 control characters other than tab and line breaks, and unpaired UTF-16 surrogates
// (what a non-UTF-8 byte sequence becomes after a lossy decode is U+FFFD, rejected too).
const invalidSource = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.source;
const invalid = new RegExp(invalidSource);
const everyInvalid = new RegExp(invalidSource, 'g');

/**
 * What a visitor may be shown of generated text: a byte-level model can sample any byte,
 * including control characters no turn may carry, so those are dropped.
 */
export function stripInvalidCharacters(text: string): string {
  return text.replace(everyInvalid, '');
}

/** A generated reply as a simulated visitor reads it: cleaned, and "..." when nothing visible is left. */
export function visibleReply(text: string): string {
  return stripInvalidCharacters(text).trim() || '...';
}

/** Throws a TextInputError with a code for text no turn may carry; returns it unchanged otherwise. */
export function validateTurnText(text: unknown, field = 'text'): string {
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw new TextInputError('empty_text', `${field} must be a non-empty string`);
  }
  if (text.length > MAX_TURN_CHARS) {
    throw new TextInputError('text_too_long', `${field} is ${text.length} characters; the limit is ${MAX_TURN_CHARS}`);
  }
  const bad = invalid.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new TextInputError('invalid_characters', `${field} contains an invalid character (U+${code}) at position ${bad.index}`);
  }
  return text;
}
