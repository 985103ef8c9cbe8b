import { DataSource } from 'typeorm';
import { ProductCatalog } from '../catalog';
import { derivePersonas, LoggedSessionSummary, Persona } from '../simulator';
import { visitorOpeningsOf } from '../simulator/persona.repository';

export interface DataWindow {
  start: Date;
  end: Date;
}

/** What a run trained on, stored on the run (`training_runs.data`). */
export interface TrainingDataRecord {
  window: { start: string; end: string };
  /** Live sessions logged in the window, and how many converted. */
  loggedSessions: number;
  convertedSessions: number;
  /** Personas derived from those sessions (openings, needs, outcome-driven intent). */
  derived: { id: string; opening: string; needs: string[]; buyingIntent: number }[];
  /** Derived entries cut out since by erasures (GDPR art. 17): their sessions and openings are gone. */
  erasedDerived?: number;
  /** Logged sessions no persona could be derived from (they name no catalog feature). */
  skippedSessions: number;
  library: string[];
}

export interface TrainingData {
  personas: Persona[];
  record: TrainingDataRecord;
}

/** The window of logged sessions a run starting at `now` learns from: the last `days` days. */
export function dataWindow(now: Date, days: number): DataWindow {
  return { start: new Date(now.getTime() - days * 86_400_000), end: now };
}

/**
 * The run's personas: those derived from the window's live (non-simulated) sessions, newest
 * first, up to `maxDerived`, mixed with the whole persona library (which also keeps the training
 * mix stable on a quiet night). The visitors' messages are redacted as personas are derived
 * (derivePersonas), whatever STORE_RAW_TEXT kept. Nothing a person wrote, nor what the visitor
 * wrote once a person took over, is read (visitorOpeningsOf).
 */
export async function buildTrainingData(db: DataSource, catalog: ProductCatalog, library: Persona[], window: DataWindow, maxDerived: number): Promise<TrainingData> {
  if (library.length === 0) throw new Error('the persona library is empty');
  const rows: { id: string; messages: string[] | null; converted: boolean }[] = await db.query(
    `SELECT s.id, ${visitorOpeningsOf('s')} AS messages, EXISTS (SELECT 1 FROM conversions c WHERE c.session_id = s.id) AS converted
       FROM chat_sessions s
      WHERE s.channel <> 'simulator' AND s.created_at >= $1 AND s.created_at < $2
      ORDER BY s.created_at DESC`,
    [window.start, window.end],
  );
  const summaries: LoggedSessionSummary[] = rows.map((r) => ({ sessionId: r.id, visitorMessages: r.messages ?? [], converted: r.converted }));
  const libraryIds = new Set(library.map((p) => p.id));
  const derivable = derivePersonas(summaries, catalog, library[0]);
  const derived = derivable.filter((p) => !libraryIds.has(p.id)).slice(0, maxDerived);
  return {
    personas: [...library, ...derived],
    record: {
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
      loggedSessions: rows.length,
      convertedSessions: rows.filter((r) => r.converted).length,
      derived: derived.map((p) => ({ id: p.id, opening: p.opening ?? '', needs: p.needs, buyingIntent: p.buyingIntent })),
      skippedSessions: rows.length - derivable.length,
      library: library.map((p) => p.id),
    },
  };
}
