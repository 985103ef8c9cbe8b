import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ProductCatalog } from '../catalog';
import { TrainingRun } from '../jobs/entities/training-run.entity';
import { RunLease } from '../jobs/run-lease';
import { TrainingRunQueue } from '../jobs/training-run.queue';
import { isAdapterOnly, loraConfig } from '../model';
import { AdapterRecord, ModelRegistry, RegistryError } from '../registry';
import { RunDirectory, StepMetrics } from '../rl';
import { ComplianceRulesRepository, RuleSet } from '../rules';
import { ComplianceRule, parseComplianceRules } from '../scoring';
import { Persona } from '../simulator';
import { CandidateTrainer, ducaCandidateTrainer } from './candidate-trainer';
import { FidelityOptions, measureFidelity } from './fidelity-report';
import { GateReport } from './gate';
import { evaluateForGate } from './gate-evaluation';
import { resolveDevice } from './gpu-setup';
import { parseRunConfig, trainingLoopConfig } from './run-config';
import { buildTrainingData, dataWindow } from './training-data';

export interface NightlyPipelineDeps {
  db: DataSource;
  queue: TrainingRunQueue;
  registry: ModelRegistry;
  catalog: ProductCatalog;
  /** The persona library: mixed into training, and the held-out set of the gate. */
  library: Persona[];
  artifactDir: string;
  trainer?: CandidateTrainer;
  /** A candidate that passes the gate serves this share of new sessions as the canary (0 or absent: it is promoted at once). */
  canaryShare?: number;
  /** Measure the simulator's fidelity for each served version before the gate (absent: not measured). */
  fidelity?: FidelityOptions;
  probeCuda?: () => Promise<void>;
  log?: (line: string) => void;
}

/** What the gate decided and whether the registry acted on it. */
export interface RunOutcome {
  state: 'canary' | 'promoted' | 'rejected';
  candidate: string;
  /** The full report, against which champion, and why a passing candidate was not promoted (pinned or changed champion). */
  gate: GateReport & { championId: string; championName: string; blocked?: string };
}

/** A trained version's name, also its folder under ARTIFACT_DIR/versions (servers name the served version by folder). */
export const candidateName = (run: TrainingRun) => `${run.trigger}-${run.createdAt.toISOString().slice(0, 10)}-${run.id.slice(0, 8)}`;

/**
 * One training run, start to finish, on a claimed run: preparing (base model, device, data),
 * training (resumed from the run folder's last checkpoint), evaluating (candidate vs champion),
 * then promoted or rejected through the registry. Every state change names the worker, so a
 * worker that lost the run cannot write over its new owner.
 */
export class NightlyPipeline {
  private readonly trainer: CandidateTrainer;

  constructor(private readonly d: NightlyPipelineDeps) {
    this.trainer = d.trainer ?? ducaCandidateTrainer;
  }

  async execute(run: TrainingRun, lease: RunLease): Promise<RunOutcome> {
    const { queue, registry } = this.d;
    const log = this.d.log ?? (() => {});
    const config = parseRunConfig(run.config);
    lease.assertHeld();

    // preparing: a resumed run keeps the base it started from, so its checkpoints still apply.
    const base = run.baseModelVersionId ? await registry.find(run.baseModelVersionId) : await registry.champion();
    if (!base) throw new RegistryError('no_champion', 'there is no champion to train from: start the server once, or run `closer models adopt`');
    const { device, note } = await resolveDevice(config.device, this.d.probeCuda);
    if (note) log(note);
    const data = await buildTrainingData(this.d.db, this.d.catalog, this.d.library, dataWindow(run.createdAt, config.dataDays), config.maxDerivedPersonas);
    // Trained and gated under the compliance rules the servers enforce as the run starts; a resumed run keeps them, whatever changed since.
    const rules = storedRules(run) ?? (await new ComplianceRulesRepository(this.d.db).inForce());
    const runDir = new RunDirectory(join(this.d.artifactDir, 'runs', run.id));
    const loop = trainingLoopConfig(config, data.personas.map((p) => p.id));
    const resumedFromStep = (await runDir.latestCheckpoint()) ?? 0;
    if (resumedFromStep === 0) await runDir.create({ run: run.id, base: base.id, loop });
    log(`run ${run.id}: base ${base.name}, ${device}, ${data.personas.length} personas (${data.record.derived.length} derived from ${data.record.loggedSessions} logged sessions), compliance rules revision ${rules.revision}${resumedFromStep ? `, resuming after step ${resumedFromStep}` : ''}`);
    lease.assertHeld();
    await queue.advance(run.id, lease.workerId, 'training', {
      device,
      data: { ...data.record, complianceRules: { revision: rules.revision, ids: rules.rules.map((r) => r.id), rules: rules.rules } },
      runDir: runDir.root,
      baseModelVersionId: base.id,
      metrics: { ...run.metrics, step: resumedFromStep, steps: config.steps, resumedFromStep },
    });

    // training: a LoRA run over a full-weight base stores only its adapter (the base's weights are kept once).
    const lora = config.lora.rank > 0 ? { config: loraConfig(config.lora.rank, config.lora.targets), adapterOnly: !(await isAdapterOnly(base.artifactPath)) } : undefined;
    if (lora && !lora.adapterOnly) log(`run ${run.id}: base ${base.name} is itself an adapter: the LoRA candidate is stored with full weights (adapters sit over full weights only)`);
    const name = candidateName(run);
    const outDir = join(this.d.artifactDir, 'versions', name);
    const started = Date.now();
    const metrics = await this.trainer({
      init: base.artifactPath,
      run: runDir,
      loop,
      catalog: this.d.catalog,
      personas: data.personas,
      complianceRules: rules.rules,
      device,
      workers: config.workers,
      updateThreads: config.updateThreads,
      maxAgentTurns: config.maxAgentTurns,
      visitor: config.visitor,
      outDir,
      lora,
      card: (m) => modelCard(name, base.name, run, m),
      onStep: ({ step, steps, metrics: m }) => {
        lease.assertHeld();
        log(`run ${run.id}: step ${step}/${steps} conversion ${m.conversion_rate.toFixed(2)} kl ${m.kl.toFixed(4)} ${(m.rollout_seconds + m.update_seconds).toFixed(1)} s`);
        void queue.progress(run.id, lease.workerId, { step, steps, resumedFromStep, last: m }).catch(() => undefined);
      },
    });
    lease.assertHeld();
    const trainingSummary = { step: config.steps, steps: config.steps, resumedFromStep, trainingSeconds: (Date.now() - started) / 1000, last: metrics.at(-1) ?? null };
    const candidate = await registry.registerCandidate({
      name,
      artifactPath: outDir,
      parentId: base.id,
      runId: run.id,
      estimator: config.estimator,
      dataWindowStart: new Date(data.record.window.start),
      dataWindowEnd: new Date(data.record.window.end),
      config: {
        steps: config.steps,
        contexts: config.contexts,
        group: config.group,
        seed: config.seed,
        device,
        ...(lora ? { lora: { rank: lora.config.rank, alpha: lora.config.alpha, targets: lora.config.targets } } : {}),
        ...(lora?.adapterOnly ? { adapter: { baseVersionId: base.id, rank: lora.config.rank, targets: lora.config.targets } satisfies AdapterRecord } : {}),
      },
      metrics: { training: trainingSummary },
    });
    await queue.advance(run.id, lease.workerId, 'evaluating', { candidateModelVersionId: candidate.id, metrics: trainingSummary });

    // evaluating: against whoever is champion now (an operator may have rolled back meanwhile).
    const champion = await registry.champion();
    if (!champion) throw new RegistryError('no_champion', 'the champion disappeared during the run');
    if (this.d.fidelity) await this.measureFidelity(run, rules.rules, this.d.fidelity, log);
    lease.assertHeld();
    log(`run ${run.id}: evaluating ${name} against ${champion.name} on ${config.evalSessions} held-out sessions`);
    const report = await evaluateForGate({
      championDir: champion.artifactPath,
      candidateDir: outDir,
      catalog: this.d.catalog,
      personas: this.d.library,
      complianceRules: rules.rules,
      sessions: config.evalSessions,
      seed: config.evalSeed,
      maxAgentTurns: config.maxAgentTurns,
      workers: config.workers,
      rules: config.gate,
      visitors: config.gateVisitors,
    });
    lease.assertHeld();
    const gate: RunOutcome['gate'] = { ...report, championName: champion.name, championId: champion.id };
    let state: RunOutcome['state'] = 'rejected';
    if (report.promote) {
      const metrics = { gate: gateSummary(report) };
      const share = this.d.canaryShare ?? 0;
      try {
        if (share > 0) {
          await registry.startCanary(candidate.id, { share, runId: run.id, expectedChampionId: champion.id, metrics });
          state = 'canary';
        } else {
          await registry.promote(candidate.id, { expectedChampionId: champion.id, metrics });
          state = 'promoted';
        }
      } catch (err) {
        if (!(err instanceof RegistryError) || !['champion_pinned', 'champion_changed', 'canary_running'].includes(err.code)) throw err;
        gate.blocked = err.message;
      }
    }
    if (state === 'rejected') await registry.reject(candidate.id, { gate: gateSummary(report), ...(gate.blocked ? { blocked: gate.blocked } : {}) });
    await queue.advance(run.id, lease.workerId, state, { gate: gate as unknown as Record<string, unknown> });
    log(`run ${run.id}: ${state}${gate.blocked ? ` (${gate.blocked})` : report.reasons.length ? ` (${report.reasons.join('; ')})` : ''}`);
    return { state, candidate: name, gate };
  }

  /** How well the simulator predicts each served version's live sessions (champion, and the canary if one runs), stored with the run. */
  private async measureFidelity(run: TrainingRun, rules: ComplianceRule[], o: FidelityOptions, log: (line: string) => void): Promise<void> {
    const served = [await this.d.registry.champion(), await this.d.registry.canary()].filter((v) => v !== null);
    for (const version of served) {
      const report = await measureFidelity(this.d.db, version, this.d.catalog, this.d.library, rules, o);
      if ('skipped' in report) {
        log(`run ${run.id}: fidelity not measured for ${report.skipped}`);
        continue;
      }
      await this.d.db.query(`INSERT INTO fidelity_reports (version_id, run_id, live_sessions, simulated_sessions, report) VALUES ($1, $2, $3, $4, $5)`, [
        version.id,
        run.id,
        report.liveSessions,
        report.simulatedSessions,
        JSON.stringify(report),
      ]);
      log(`run ${run.id}: fidelity of ${version.name}: conversion live ${report.gaps.conversion.live.toFixed(3)}, simulated ${report.gaps.conversion.simulated.toFixed(3)} (${report.liveSessions} live, ${report.simulatedSessions} simulated sessions)`);
    }
  }
}

/** The rule set a run's first attempt stored with its data (undefined before it got that far). */
function storedRules(run: TrainingRun): RuleSet | undefined {
  const stored = run.data?.complianceRules as { revision: number; rules?: unknown } | undefined;
  return stored?.rules ? { revision: stored.revision, rules: parseComplianceRules(stored.rules) } : undefined;
}

/** A run that ended without a gate decision (failed, cancelled): its registered candidate, if any, is rejected so it is never mistaken for a pending one. */
export async function discardCandidate(registry: ModelRegistry, run: TrainingRun, reason: string): Promise<void> {
  if (!run.candidateModelVersionId) return;
  const version = await registry.find(run.candidateModelVersionId);
  if (version.status === 'candidate') await registry.reject(version.id, { discarded: reason });
}

/** The gate's figures in brief, kept on the model version (the full report is on the run). */
export function gateSummary(r: GateReport) {
  return {
    promote: r.promote,
    reasons: r.reasons,
    sessions: r.sessions,
    conversion: { candidate: r.candidate.conversion_rate, champion: r.champion.conversion_rate, difference: r.comparison.conversion.difference, ci95: r.comparison.conversion.ci95 },
    violations_per_turn: { candidate: r.candidate.violations_per_turn, champion: r.champion.violations_per_turn },
    repetition_rate: { candidate: r.candidate.repetition_rate, champion: r.champion.repetition_rate },
    identity_detection_rate: { candidate: r.candidate.identity_detection_rate, champion: r.champion.identity_detection_rate },
    other_visitors: (r.otherVisitors ?? []).map((o) => ({ visitor: o.visitor, violations_per_turn: { candidate: o.candidate.violations_per_turn, champion: o.champion.violations_per_turn } })),
  };
}

function modelCard(name: string, baseName: string, run: TrainingRun, metrics: StepMetrics[]): string {
  const last = metrics.at(-1);
  return [
    `# ${name}`,
    '',
    `Trained by the nightly pipeline (run \`${run.id}\`, ${run.trigger}) from \`${baseName}\` with \`${run.estimator}\` advantages (DuCA, see docs/rl.md).`,
    `${metrics.length} steps; last step: conversion ${last?.conversion_rate.toFixed(3) ?? '-'}, KL ${last?.kl.toFixed(4) ?? '-'}.`,
    'The gate report (candidate vs champion on held-out visitors) is stored with the run. Promoted only through the gate or an operator.',
    '',
  ].join('\n');
}
