import { Logger } from '@nestjs/common';

type Level = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

/** One Nest log call: `params` ends with the logger's context (a stack or an error object would come before it). */
export interface LogLine {
  level: Level;
  message: unknown;
  params: unknown[];
}

/** Keeps every Nest log line from now on instead of writing it. */
export function captureLogs(): LogLine[] {
  const lines: LogLine[] = [];
  const record = (level: Level) => (message: unknown, ...params: unknown[]) => void lines.push({ level, message, params });
  Logger.overrideLogger({ log: record('log'), error: record('error'), warn: record('warn'), debug: record('debug'), verbose: record('verbose'), fatal: record('fatal') });
  return lines;
}

/** The lines of loggers named `context`. */
export const linesOf = (lines: LogLine[], context: string) => lines.filter((line) => line.params.at(-1) === context);
