import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { StatementCounter } from '../database/statement-counter';
import { trainingRunStates } from '../jobs';
import { REPLY_POLICY, ReplyPolicy } from '../policy';
import type { TurnRole } from '../sessions';

/** Seconds: a streamed first sentence comes in tens of ms, a long reply on a busy batch in tens of seconds. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];

/**
 * The event-loop delay histogram's timer period (prom-client's default, made explicit): each sample
 * is the whole period plus the delay, so `nodejs_eventloop_lag_*` read this much above the delay.
 */
export const EVENT_LOOP_SAMPLE_MS = 10;

/** Statements one scrape of /metrics sends (training runs by state, waiting handoffs): a reader of `closer_db_statements_total` takes them off. */
export const SCRAPE_STATEMENTS = 2;

export type SocketNamespace = 'chat' | 'rasa' | 'admin';

/**
 * The server's Prometheus metrics (served at `GET /metrics`): Node process defaults plus turns,
 * reply latency, compliance violations, conversions and open sockets as they happen, and the
 * policy's batch and queue, the training runs by state and the waiting handoffs read at scrape time. Its own registry,
 * so apps built side by side (tests) do not share counters.
 */
@Injectable()
export class ChatMetrics {
  readonly registry = new Registry();
  private readonly turns = new Counter({ name: 'closer_turns_total', help: 'Turns stored, by role (visitor, agent, person)', labelNames: ['role'], registers: [this.registry] });
  private readonly replySeconds = new Histogram({
    name: 'closer_reply_duration_seconds',
    help: 'Visitor message received to agent reply stored, in seconds',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly firstDeltaSeconds = new Histogram({
    name: 'closer_reply_first_delta_seconds',
    help: 'Visitor message received to first streamed delta (streaming channels only), in seconds',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly violations = new Counter({
    name: 'closer_compliance_violations_total',
    help: 'Compliance rule violations in stored agent replies, by rule and severity',
    labelNames: ['rule', 'severity'],
    registers: [this.registry],
  });
  private readonly conversions = new Counter({ name: 'closer_conversions_total', help: 'Conversions recorded (duplicates not counted), by source (webhook, widget)', labelNames: ['source'], registers: [this.registry] });
  private readonly sockets = new Gauge({ name: 'closer_active_sockets', help: 'Open socket.io connections, by namespace (chat: /chat widget protocol, rasa: default namespace, admin: /admin dashboards)', labelNames: ['namespace'], registers: [this.registry] });

  constructor(
    @Inject(REPLY_POLICY) policy: ReplyPolicy,
    @InjectDataSource() db: DataSource,
  ) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    new Gauge({
      name: 'closer_policy_queue_depth',
      help: 'Replies waiting to join the running batch of the served model',
      registers: [this.registry],
      collect() {
        this.set(policy.batchLoad?.().queued ?? 0);
      },
    });
    new Gauge({
      name: 'closer_policy_batch_occupancy',
      help: 'Share of the running batch rows in use (0-1; POLICY_MAX_BATCH rows)',
      registers: [this.registry],
      collect() {
        const load = policy.batchLoad?.();
        this.set(load && load.maxBatch > 0 ? load.active / load.maxBatch : 0);
      },
    });
    new Gauge({
      name: 'closer_training_runs',
      help: 'Training runs by state (the training_runs table at scrape time)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const rows: { status: string; n: string }[] = await db.query(`SELECT status, count(*) AS n FROM training_runs GROUP BY status`);
        for (const state of trainingRunStates) this.set({ state }, Number(rows.find((r) => r.status === state)?.n ?? 0));
      },
    });
    new Gauge({
      name: 'closer_handoffs_waiting',
      help: 'Live sessions waiting for a person (a handoff rule asked, nobody took it yet), in the handoffs table at scrape time',
      registers: [this.registry],
      async collect() {
        const [{ n }]: { n: string }[] = await db.query(
          `SELECT count(*) AS n FROM handoffs h JOIN chat_sessions s ON s.id = h.session_id WHERE h.state = 'waiting' AND s.status = 'active'`,
        );
        this.set(Number(n));
      },
    });
    const counted = db.logger instanceof StatementCounter ? db.logger : undefined;
    new Counter({
      name: 'closer_db_statements_total',
      help: `Statements sent to the database by this server, those of /metrics itself included (${SCRAPE_STATEMENTS} per scrape)`,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(counted?.statements ?? 0);
      },
    });
    for (const namespace of ['chat', 'rasa', 'admin'] as const) this.sockets.set({ namespace }, 0);
  }

  /** A turn stored: a visitor's message, the agent's reply (through replyStored) or a person's message. */
  turnStored(role: Exclude<TurnRole, 'system'>): void {
    this.turns.inc({ role });
  }

  /** A reply stored: its latency (and time to first delta when it streamed) and the rules it broke. */
  replyStored(latencyMs: number, firstDeltaMs: number | null, violations: { ruleId: string; severity: string }[]): void {
    this.turnStored('agent');
    this.replySeconds.observe(latencyMs / 1000);
    if (firstDeltaMs !== null) this.firstDeltaSeconds.observe(firstDeltaMs / 1000);
    for (const v of violations) this.violations.inc({ rule: v.ruleId, severity: v.severity });
  }

  conversionRecorded(source: 'webhook' | 'widget'): void {
    this.conversions.inc({ source });
  }

  socketOpened(namespace: SocketNamespace): void {
    this.sockets.inc({ namespace });
  }

  socketClosed(namespace: SocketNamespace): void {
    this.sockets.dec({ namespace });
  }
}
