import { ExportedSession } from './admin-sessions.repository';

export type ExportFormat = 'jsonl' | 'csv';

export const exportContentType: Record<ExportFormat, string> = { jsonl: 'application/x-ndjson', csv: 'text/csv; charset=utf-8' };

/** One JSON line per session: the session, its turns with their scores, its conversions. */
export const jsonLine = (s: ExportedSession) => `${JSON.stringify(s)}\n`;

export const CSV_COLUMNS = ['session_id', 'session_created_at', 'site_key', 'turn_index', 'role', 'text', 'model_version_id', 'compliance_score', 'total_score', 'session_converted'];

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled. A
 * text starting with = + - @ (or a tab / carriage return) gets a leading `'`, so a spreadsheet
 * shows it instead of running it as a formula. Numbers are written as they are.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (cells: (string | number | boolean | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;

export const csvHeader = () => csvLine(CSV_COLUMNS);

/** One CSV row per turn of the session (none for a session without turns). */
export const csvRows = (s: ExportedSession) =>
  s.turns.map((t) => csvLine([s.id, s.createdAt.toISOString(), s.siteKey, t.index, t.role, t.text, t.modelVersionId, t.scores.compliance, t.scores.total, s.converted])).join('');
