import { randomBytes } from 'node:crypto';
import { NightlyConfig } from '../config';
import { AdvantageEstimatorName, advantageEstimatorNames, defaultAdvantageConfig, TrainingLoopConfig } from '../rl';
import { DeviceSetting } from './gpu-setup';
import { VISITOR_KINDS, VisitorKind } from '../simulator';
import { GateRules } from './gate';

/** A run's settings, fixed when it is enqueued and stored on the run (so a resumed run trains the same way). */
export interface NightlyRunConfig {
  estimator: AdvantageEstimatorName;
  steps: number;
  contexts: number;
  group: number;
  seed: number;
  checkpointEvery: number;
  maxAgentTurns: number;
  /** Rollout worker threads and update threads (the worker shares the machine with nothing else). */
  workers: number;
  updateThreads: number;
  evalSessions: number;
  /** Held-out visitors and agent seeds of the gate: fixed, so champion and candidate meet the same sessions. */
  evalSeed: number;
  dataDays: number;
  maxDerivedPersonas: number;
  device: DeviceSetting;
  gate: GateRules;
  /** A LoRA adapter of this rank instead of every weight (0: full fine-tune); see docs/nightly.md. */
  lora: { rank: number; targets: string[] };
  /** DuCA's fusion weights: A = α·A_session + β·A_turn (the hian* estimators; others ignore them). */
  hian: { alpha: number; beta: number };
  /** The visitor training rollouts play against. */
  visitor: VisitorKind;
  /** The visitors the gate judges on (strict always). */
  gateVisitors: VisitorKind[];
}

export type NightlyRunOverrides = Partial<Pick<NightlyRunConfig, 'steps' | 'contexts' | 'group' | 'evalSessions' | 'maxAgentTurns' | 'seed' | 'checkpointEvery' | 'lora'>>;

export function nightlyRunConfig(c: NightlyConfig, overrides: NightlyRunOverrides = {}): NightlyRunConfig {
  return {
    estimator: c.estimator,
    steps: c.steps,
    contexts: c.contexts,
    group: c.group,
    seed: 1,
    checkpointEvery: 5,
    maxAgentTurns: 12,
    workers: 2,
    updateThreads: 2,
    evalSessions: c.evalSessions,
    evalSeed: 20261125,
    dataDays: c.dataDays,
    maxDerivedPersonas: 100,
    device: c.device,
    gate: c.gate,
    lora: c.lora,
    hian: c.hian,
    visitor: c.visitor,
    gateVisitors: c.gateVisitors,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
}

/**
 * The queue request of a run started by hand (`cli`: `nightly --now`; `admin`: the admin API), with
 * the nightly defaults and the caller's overrides. Its key is unique, so it never merges with
 * another run the way nightly runs of one night do.
 */
export function manualRunRequest(c: NightlyConfig, trigger: 'cli' | 'admin', overrides: NightlyRunOverrides = {}) {
  const config = nightlyRunConfig(c, overrides);
  return {
    runKey: `${trigger}:${new Date().toISOString()}:${randomBytes(3).toString('hex')}`,
    trigger,
    estimator: config.estimator,
    config: config as unknown as Record<string, unknown>,
    maxAttempts: c.maxAttempts,
    runConfig: config,
  };
}

/** The training loop of a run: its estimator and size, and the HIAN weights it was created with. */
export function trainingLoopConfig(config: NightlyRunConfig, personas: string[]): TrainingLoopConfig {
  return {
    estimator: config.estimator,
    advantage: { ...defaultAdvantageConfig, alpha: config.hian.alpha, beta: config.hian.beta },
    steps: config.steps,
    contexts: config.contexts,
    group: config.group,
    seed: config.seed,
    personas,
    checkpointEvery: config.checkpointEvery,
  };
}

/** Reads a run's stored config back, refusing one this code cannot run (e.g. written by a newer version). */
export function parseRunConfig(raw: Record<string, unknown>): NightlyRunConfig {
  // Runs stored before LoRA runs existed trained every weight; before the HIAN weights were settings, both were 1;
  // before the persuadable visitor, everything trained and was judged on the strict one.
  const c = { lora: { rank: 0, targets: [] }, hian: { alpha: 1, beta: 1 }, visitor: 'strict', gateVisitors: ['strict'], ...raw } as unknown as NightlyRunConfig;
  const whole = ['steps', 'contexts', 'group', 'seed', 'checkpointEvery', 'maxAgentTurns', 'workers', 'updateThreads', 'evalSessions', 'evalSeed', 'dataDays', 'maxDerivedPersonas'] as const;
  const bad: string[] = whole.filter((k) => !Number.isInteger(c[k]) || c[k] < 0);
  if (!advantageEstimatorNames.includes(c.estimator)) bad.push('estimator');
  if (!['cpu', 'cuda', 'auto'].includes(c.device)) bad.push('device');
  if (!c.gate || typeof c.gate.conversionMargin !== 'number') bad.push('gate');
  if (c.group < 2) bad.push('group');
  if (!Number.isInteger(c.lora?.rank) || c.lora.rank < 0 || !Array.isArray(c.lora.targets) || (c.lora.rank > 0 && c.lora.targets.length === 0)) bad.push('lora');
  const weight = (w: unknown) => typeof w === 'number' && w >= 0 && w <= 10;
  if (!weight(c.hian?.alpha) || !weight(c.hian?.beta) || c.hian.alpha + c.hian.beta === 0) bad.push('hian');
  const kind = (v: unknown) => (VISITOR_KINDS as readonly unknown[]).includes(v);
  if (!kind(c.visitor)) bad.push('visitor');
  if (!Array.isArray(c.gateVisitors) || !c.gateVisitors.every(kind) || !c.gateVisitors.includes('strict')) bad.push('gateVisitors');
  if (bad.length) throw new Error(`training run config is invalid: ${bad.join(', ')}`);
  return c;
}
