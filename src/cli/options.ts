import { InvalidArgumentError } from 'commander';
import { isVisitorKind, VISITOR_KINDS, VisitorKind } from '../simulator';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

/** The command-line spelling of an option's key: `rlSteps` → `--rl-steps`. */
export const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A comma-separated list of positive numbers (e.g. reward scales). */
export function positiveNumberList(value: string): number[] {
  return value.split(',').map((v) => positiveNumber(v.trim()));
}

/** How the model samples where visitors meet it: the server's sampling, also used against the simulator (simulate, calibrate) and by generate/chat without flags. */
export const SIMULATION_SAMPLING = { maxNewTokens: 80, temperature: 0.7, topP: 0.95, repetitionPenalty: 1.1 };

/** `--visitor strict|persuadable`. */
export function visitorKindOption(value: string): VisitorKind {
  if (!isVisitorKind(value)) throw new InvalidArgumentError(`must be one of ${VISITOR_KINDS.join(', ')}`);
  return value;
}
