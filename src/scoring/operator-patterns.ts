import { RE2JS, RE2JSSyntaxException } from 're2js';

/**
 * Patterns written by operators (compliance phrase rules, handoff phrases) run on every turn, so
 * they run on RE2 (re2js, a pure-JS port): time linear in the text whatever the pattern, where a
 * backtracking engine can take exponential time on a pattern like `(a+)+$`. RE2 cannot run
 * lookarounds or backreferences; such a pattern is refused when it is written.
 */

/** Instructions a compiled pattern may have: RE2's time is text length × program size, so this bounds the constant (the shipped rules need at most 152). */
export const MAX_PATTERN_PROGRAM_SIZE = 1000;

/** An operator pattern the engine cannot run; `message` says why, naming the pattern. */
export class PatternRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternRefusedError';
  }
}

/**
 * `source` compiled, matched case-insensitively; throws PatternRefusedError. Callers keep the result
 * for as long as the rules it came from are in force: compiling costs far more than matching.
 */
export function operatorPattern(source: string): RE2JS {
  const named = JSON.stringify(source);
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    if (!(err instanceof RE2JSSyntaxException)) throw err;
    // The offending fragment, without the case-insensitivity flag compile() put in front.
    const at = (err.input ?? '').replace(/^\(\?i\)/, '');
    const lookaround = /^\(\?<?[=!]/.exec(at)?.[0];
    const backreference = /^\\(?:[1-9]|k)/.exec(at)?.[0];
    const unsupported = lookaround ? `a lookaround (${lookaround}…)` : backreference ? `a backreference (${backreference})` : undefined;
    if (unsupported) throw new PatternRefusedError(`${named} uses ${unsupported}, which only a backtracking engine can run; patterns run in linear time (RE2 syntax)`);
    throw new PatternRefusedError(`${named} is not a valid regular expression (${err.error}${at ? `: ${at}` : ''})`);
  }
  if (pattern.programSize() > MAX_PATTERN_PROGRAM_SIZE) {
    throw new PatternRefusedError(`${named} is too large to run on every turn (${pattern.programSize()} instructions compiled, at most ${MAX_PATTERN_PROGRAM_SIZE}): use fewer or smaller repetitions`);
  }
  return pattern;
}

/** Why `source` cannot run (a message naming it), or undefined when it can. */
export function patternRefusal(source: string): string | undefined {
  try {
    operatorPattern(source);
    return undefined;
  } catch (err) {
    if (err instanceof PatternRefusedError) return err.message;
    throw err;
  }
}

/** Every match of `pattern` in `text`, in order (the text and where it starts). */
export function patternMatches(pattern: RE2JS, text: string): { text: string; index: number }[] {
  // test() runs the DFA alone, ~5× faster than a search that locates matches; most replies match nothing.
  if (!pattern.test(text)) return [];
  return [...pattern.matchAll(text)].map((m) => ({ text: m[0], index: m.index! }));
}

/**
 * A phrase as whole words, any case: not preceded or followed by a letter or digit. RE2 has no
 * lookarounds, so the neighbours are consumed; only whether it matches is meaningful.
 */
export function wholePhraseMatcher(phrase: string): RE2JS {
  return operatorPattern(`(?:^|[^\\pL\\pN])${RE2JS.quote(phrase)}(?:[^\\pL\\pN]|$)`);
}
