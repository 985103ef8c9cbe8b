import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminActor } from '../admin/api-keys/api-keys.repository';
import { AuditLogRepository } from '../admin/audit/audit-log.repository';
import { AppConfig, CanaryConfig } from '../config';
import { CanaryDecision, CanaryRules, decideCanary, defaultCanaryRules } from './canary-decision';
import { CanaryArms, canaryArms } from './canary-figures';
import { Canary, CanaryEndingVerdict, ModelRegistry } from './model-registry';
import { RegistryError } from './registry-error';

/** The live test of a canary as it stands: its arms, the decision they support, and for how long it has run. */
export interface CanaryReading {
  canary: Canary;
  arms: CanaryArms;
  decision: CanaryDecision;
  elapsedHours: number;
}

/** Who ends a canary on live evidence (audit log and `canaries.decided_by`). */
const MONITOR: AdminActor = { keyId: null, name: 'canary-monitor', role: 'admin' };

/**
 * Reads the running canary's live test every CANARY_CHECK_MINUTES and acts on it: promote, roll back
 * (at once, on a worse guard or inferior conversion) or stop inconclusive (the champion stays). Every
 * replica runs it; the registry's lock and the expected canary id let exactly one act on a decision.
 * The test is always valid, so reading it this often does not inflate its error rates.
 */
@Injectable()
export class CanaryMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CanaryMonitor.name);
  private readonly config: CanaryConfig;
  private readonly audit: AuditLogRepository;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ConfigService) config: ConfigService<AppConfig, true>,
  ) {
    this.config = config.get('canary', { infer: true });
    this.audit = new AuditLogRepository(db);
  }

  get rules(): CanaryRules {
    const c = this.config;
    return { ...defaultCanaryRules, conversionMargin: c.conversionMargin, guardMargin: c.guardMargin, maxCanarySessions: c.maxSessions, maxHours: c.maxHours };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check().catch((err: Error) => this.logger.warn(`canary check: ${err.message}`)), this.config.checkMinutes * 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The running canary's test now, or null when none runs. */
  async read(now = new Date()): Promise<CanaryReading | null> {
    const canary = await this.registry.canary();
    if (!canary) return null;
    const arms = await canaryArms(this.db.manager, canary);
    const elapsedHours = (now.getTime() - new Date(canary.startedAt).getTime()) / 3_600_000;
    return { canary, arms, decision: decideCanary(arms, this.rules, elapsedHours), elapsedHours };
  }

  /** Reads the test and ends the canary when it has decided; returns the reading (null: no canary). */
  async check(now = new Date()): Promise<CanaryReading | null> {
    const reading = await this.read(now);
    if (!reading || reading.decision.verdict === 'continue') return reading;
    try {
      await this.end(reading, reading.decision.verdict, MONITOR);
    } catch (err) {
      // Another replica (or an admin) ended it first.
      if (!(err instanceof RegistryError) || !['no_canary', 'canary_changed'].includes(err.code)) throw err;
    }
    return reading;
  }

  /** Ends the canary the reading is about with `verdict`, audited with the figures it was decided on. */
  async end(reading: CanaryReading, verdict: CanaryEndingVerdict, by: AdminActor): Promise<void> {
    const simulator = await this.simulatorAgreement(reading);
    const decision = { ...figuresOf(reading), simulator };
    await this.registry.endCanary({
      verdict,
      decidedBy: by.name,
      decision,
      expectedCanaryId: reading.canary.canaryId,
      inTransaction: async (tx, { canary }) => {
        await this.audit.record(by, { action: `canary.${verdict}`, targetType: 'model_version', targetId: canary.id, summary: { canary: canary.name, ...decision } }, tx);
        // The offline gate ranked the pair one way and live traffic the other: its decision was low-confidence.
        if (simulator && !simulator.agreed) {
          await tx.query(`UPDATE training_runs SET gate = gate || '{"lowConfidence": true}'::jsonb FROM canaries c WHERE c.id = $1 AND training_runs.id = c.run_id AND training_runs.gate IS NOT NULL`, [reading.canary.canaryId]);
        }
      },
    });
    this.logger.log(`canary ${reading.canary.name}: ${verdict} (${reading.decision.reasons.join('; ')})`);
  }

  /**
   * Whether the offline gate's predicted ranking of canary and champion (the sign of its conversion
   * difference, kept on the version) matches the live one; null when the gate predicted nothing.
   */
  private async simulatorAgreement(reading: CanaryReading): Promise<{ predicted: number; live: number; agreed: boolean } | null> {
    const version = await this.registry.find(reading.canary.id);
    const predicted = (version.metrics.gate as { conversion?: { difference?: number } } | undefined)?.conversion?.difference;
    if (typeof predicted !== 'number') return null;
    const live = reading.decision.intervals.conversion.difference;
    return { predicted, live, agreed: Math.sign(predicted) === Math.sign(live) || predicted === 0 || live === 0 };
  }
}

/** What is kept of a reading with the decision: sessions per arm, each metric's difference and interval, the reasons. */
export function figuresOf({ arms, decision, elapsedHours }: CanaryReading): Record<string, unknown> {
  return {
    sessions: { canary: arms.conversion.candidate.n, champion: arms.conversion.baseline.n },
    elapsedHours: Math.round(elapsedHours * 100) / 100,
    test: decision.verdict,
    reasons: decision.reasons,
    sessionsNeeded: decision.sessionsNeeded,
    metrics: Object.fromEntries(Object.entries(decision.intervals).map(([m, i]) => [m, { difference: i.difference, interval: i.interval }])),
  };
}
