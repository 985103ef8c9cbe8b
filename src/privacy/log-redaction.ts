import { redactPii } from './pii';

/**
 * Bind parameters and row details of a failed query: TypeORM's QueryFailedError carries the values
 * of the INSERT (a visitor's message when a turn could not be stored) and Postgres names the
 * failing row in `detail`. Whole values go, whatever they hold.
 */
export const LOG_REDACT_PATHS = ['err.parameters', 'err.detail', 'err.driverError.parameters', 'err.driverError.detail'];

/** `text` redacted; a URL-encoded one (a Referer's `?email=jane%40example.com`) is decoded first when that finds something. */
function redactText(text: string): string {
  const redacted = redactPii(text);
  if (!text.includes('%')) return redacted;
  let decoded: string;
  try {
    decoded = decodeURIComponent(redacted);
  } catch {
    return redacted;
  }
  const redactedDecoded = redactPii(decoded);
  return redactedDecoded === decoded ? redacted : redactedDecoded;
}

function redactStrings(value: unknown, changed: { any: boolean }): unknown {
  if (typeof value === 'string') {
    const redacted = redactText(value);
    if (redacted !== value) changed.any = true;
    return redacted;
  }
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, changed));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, changed)]));
  return value;
}

/**
 * A JSON log line with the personal data in every string (message, URL, error message and
 * stack, any field) redacted; numbers, keys and lines with none are written as they came.
 */
export function redactLogLine(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return redactText(line);
  }
  const changed = { any: false };
  const redacted = redactStrings(record, changed);
  return changed.any ? `${JSON.stringify(redacted)}${line.endsWith('\n') ? '\n' : ''}` : line;
}
