import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ModelVersion } from './entities/model-version.entity';
import { RegistryError } from './registry-error';

/** Postgres channel every champion change is announced on (the payload is a hint; listeners re-read the table). */
export const CHAMPION_CHANNEL = 'closer_champion';

/** What a server needs to serve the champion. */
export interface Champion {
  id: string;
  name: string;
  artifactPath: string;
}

/** A running canary: the version serving `share` of new sessions beside the champion it is compared with. */
export interface Canary extends Champion {
  canaryId: string;
  championId: string;
  share: number;
  startedAt: Date;
}

/** How a canary ended: live evidence (promote, rollback, inconclusive), an operator (aborted), or a champion change that made its comparison moot (superseded). */
export type CanaryEndingVerdict = 'promote' | 'rollback' | 'inconclusive' | 'aborted' | 'superseded';

export interface CanaryEnding {
  verdict: CanaryEndingVerdict;
  /** Who decided: `canary-job`, an admin key's name, … */
  decidedBy: string;
  /** The figures it was decided on. */
  decision: Record<string, unknown>;
  /** Refuse if the running canary is not this one (the decision was computed on another). */
  expectedCanaryId?: string;
  inTransaction?: InTransaction<{ canary: Canary; champion: Champion }>;
}

export interface CandidateRecord {
  name: string;
  artifactPath: string;
  parentId: string | null;
  runId: string;
  estimator: string;
  dataWindowStart: Date;
  dataWindowEnd: Date;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

/**
 * `config.adapter` of a version whose folder holds only a LoRA adapter: the version whose folder
 * holds the full weights it applies to (kept once, however many adapters use it).
 */
export interface AdapterRecord {
  baseVersionId: string;
  rank: number;
  targets: string[];
}

export const adapterOf = (v: ModelVersion): AdapterRecord | undefined => v.config.adapter as AdapterRecord | undefined;

/**
 * Work that must commit with a champion change or not at all (the admin API's audit entry): it runs
 * in the change's transaction after the change, and if it throws, the change is rolled back.
 */
export type InTransaction<T> = (tx: EntityManager, change: T) => Promise<void>;

/**
 * Model versions, the one champion and at most one canary. Every change of what is served (adopting
 * the first served model, promote, pin, rollback, a canary starting or ending) goes through here: one
 * transaction that locks the table against concurrent changes and announces it with NOTIFY,
 * delivered at commit. A promote or rollback while a canary runs ends it as `superseded` (its
 * comparison was against the champion that just changed), unless it promotes the canary itself.
 */
@Injectable()
export class ModelRegistry {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async champion(manager: EntityManager = this.db.manager): Promise<Champion | null> {
    const row = await manager.getRepository(ModelVersion).findOneBy({ status: 'champion' });
    return row ? toChampion(row) : null;
  }

  /** The running canary, if any. */
  async canary(manager: EntityManager = this.db.manager): Promise<Canary | null> {
    const [row] = await manager.query(
      `SELECT c.id AS "canaryId", c.champion_id AS "championId", c.share, c.started_at AS "startedAt", v.id, v.name, v.artifact_path AS "artifactPath"
         FROM canaries c JOIN model_versions v ON v.id = c.version_id WHERE c.ended_at IS NULL`,
    );
    return row ?? null;
  }

  /**
   * Starts a canary: the candidate serves `share` of new sessions beside the champion. Refused
   * while another canary runs, while the champion is pinned (a pinned champion is not replaced),
   * or if the champion changed since the candidate was compared with it.
   */
  async startCanary(idOrName: string, o: { share: number; runId?: string | null; expectedChampionId?: string | null; metrics?: Record<string, unknown> }): Promise<Canary> {
    await this.changeChampion(async (tx) => {
      const target = await this.find(idOrName, tx);
      const current = await tx.getRepository(ModelVersion).findOneBy({ status: 'champion' });
      if (!current) throw new RegistryError('no_champion', 'there is no champion to compare a canary with');
      if (o.expectedChampionId !== undefined && current.id !== o.expectedChampionId) {
        throw new RegistryError('champion_changed', `the champion changed to ${current.name} since the candidate was evaluated`);
      }
      if (current.pinned) throw new RegistryError('champion_pinned', `the champion ${current.name} is pinned; unpin it to start a canary`);
      const running = await this.canary(tx);
      if (running) throw new RegistryError('canary_running', `${running.name} is already the canary; it must end before another starts`);
      if (target.status !== 'candidate') throw new RegistryError('not_a_candidate', `${target.name} is ${target.status}, not a candidate`);
      await tx.query(`UPDATE model_versions SET status = 'canary', metrics = metrics || $2 WHERE id = $1`, [target.id, JSON.stringify(o.metrics ?? {})]);
      await tx.query(`INSERT INTO canaries (version_id, champion_id, run_id, share) VALUES ($1, $2, $3, $4)`, [target.id, current.id, o.runId ?? null, o.share]);
      return { id: target.id, changed: true };
    });
    return (await this.canary())!;
  }

  /**
   * Ends the running canary: `promote` makes it the champion (the previous one retired); any other
   * verdict rejects it and the champion stays. The ending, who decided and the figures are kept on
   * the canary's row and in the version's metrics.
   */
  async endCanary(e: CanaryEnding): Promise<{ canary: Canary; champion: Champion }> {
    let result: { canary: Canary; champion: Champion } | undefined;
    await this.changeChampion(async (tx) => {
      const canary = await this.canary(tx);
      if (!canary) throw new RegistryError('no_canary', 'no canary is running');
      if (e.expectedCanaryId !== undefined && canary.canaryId !== e.expectedCanaryId) {
        throw new RegistryError('canary_changed', `the running canary is now ${canary.name}; the decision was made on another`);
      }
      await this.closeCanary(tx, canary, e);
      if (e.verdict === 'promote') {
        await tx.query(`UPDATE model_versions SET status = 'retired', retired_at = now(), pinned = false WHERE status = 'champion'`);
        await tx.query(`UPDATE model_versions SET status = 'champion', promoted_at = now(), rolled_back_at = NULL WHERE id = $1`, [canary.id]);
      }
      result = { canary, champion: (await this.champion(tx))! };
      await e.inTransaction?.(tx, result);
      return { id: canary.id, changed: true };
    });
    return result!;
  }

  async find(idOrName: string, manager: EntityManager = this.db.manager): Promise<ModelVersion> {
    const row = await manager
      .getRepository(ModelVersion)
      .createQueryBuilder('v')
      .where(isUuid(idOrName) ? 'v.id = :key' : 'v.name = :key', { key: idOrName })
      .getOne();
    if (!row) throw new RegistryError('unknown_version', `no model version ${idOrName}`);
    return row;
  }

  list(limit = 50): Promise<ModelVersion[]> {
    return this.db.getRepository(ModelVersion).find({ order: { createdAt: 'DESC' }, take: limit });
  }

  /**
   * The row of a model a server answers with, created on first use. It becomes the champion only
   * when there is none yet (a fresh database); otherwise the registry's champion stands: a server
   * still running an older model folder must not undo a promotion (the hot swap moves it onto the champion).
   */
  async adoptServed(name: string, artifactPath: string): Promise<string> {
    return this.changeChampion(async (tx) => {
      const existing = await tx.getRepository(ModelVersion).findOneBy({ name });
      if (existing) return { id: existing.id, changed: false };
      const hasChampion = (await this.champion(tx)) !== null;
      const [row] = await tx.query(
        `INSERT INTO model_versions (name, artifact_path, status, promoted_at) VALUES ($1, $2, $3, ${hasChampion ? 'NULL' : 'now()'}) RETURNING id`,
        [name, artifactPath, hasChampion ? 'candidate' : 'champion'],
      );
      return { id: row.id as string, changed: !hasChampion };
    });
  }

  /** Records a trained candidate; idempotent per name, so a resumed run does not register twice. */
  async registerCandidate(c: CandidateRecord): Promise<ModelVersion> {
    const adapter = c.config.adapter as AdapterRecord | undefined;
    if (adapter) {
      // Adapters sit over full weights only, so a base is one folder away and retiring an adapter frees nothing another needs.
      const base = await this.find(adapter.baseVersionId);
      if (adapterOf(base)) throw new RegistryError('adapter_over_adapter', `${c.name}: its base ${base.name} is itself an adapter; an adapter version needs a full-weight base`);
    }
    await this.db.query(
      `INSERT INTO model_versions (name, artifact_path, status, parent_id, run_id, estimator, data_window_start, data_window_end, config, metrics)
       VALUES ($1, $2, 'candidate', $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (name) DO NOTHING`,
      [c.name, c.artifactPath, c.parentId, c.runId, c.estimator, c.dataWindowStart, c.dataWindowEnd, JSON.stringify(c.config), JSON.stringify(c.metrics)],
    );
    return this.find(c.name);
  }

  async reject(id: string, metrics: Record<string, unknown>): Promise<void> {
    const [, affected] = await this.db.query(`UPDATE model_versions SET status = 'rejected', metrics = metrics || $2 WHERE id = $1 AND status = 'candidate'`, [id, JSON.stringify(metrics)]);
    if (affected === 0) throw new RegistryError('not_a_candidate', `model version ${id} is not a candidate`);
  }

  /**
   * Makes a version the champion; the previous one is retired. Refused while the champion is
   * pinned unless `overridePin` (an operator's explicit promote or pin). `expectedChampionId`:
   * refuse if the champion changed since the caller compared against it (the gate's comparison would be stale).
   */
  async promote(
    idOrName: string,
    o: {
      overridePin?: boolean;
      pin?: boolean;
      expectedChampionId?: string | null;
      metrics?: Record<string, unknown>;
      inTransaction?: InTransaction<{ champion: Champion; previous: Champion | null }>;
    } = {},
  ): Promise<Champion> {
    return this.changeChampion(async (tx) => {
      const target = await this.find(idOrName, tx);
      const current = await tx.getRepository(ModelVersion).findOneBy({ status: 'champion' });
      if (o.expectedChampionId !== undefined && (current?.id ?? null) !== o.expectedChampionId) {
        throw new RegistryError('champion_changed', `the champion changed to ${current?.name ?? 'none'} since the candidate was evaluated`);
      }
      if (current?.pinned && !o.overridePin && current.id !== target.id) {
        throw new RegistryError('champion_pinned', `the champion ${current.name} is pinned; unpin it or promote with an explicit pin`);
      }
      if (current && current.id === target.id) {
        if (o.pin === undefined || current.pinned === o.pin) throw new RegistryError('already_champion', `${target.name} is already the champion`);
        await tx.query(`UPDATE model_versions SET pinned = $2 WHERE id = $1`, [target.id, o.pin]);
        await o.inTransaction?.(tx, { champion: toChampion(target), previous: toChampion(current) });
        return { id: target.id, changed: false };
      }
      const canary = await this.canary(tx);
      if (canary) await this.closeCanary(tx, canary, { verdict: canary.id === target.id ? 'promote' : 'superseded', decidedBy: 'promote', decision: { promoted: target.name } });
      if (current) await tx.query(`UPDATE model_versions SET status = 'retired', retired_at = now(), pinned = false WHERE id = $1`, [current.id]);
      await tx.query(
        `UPDATE model_versions SET status = 'champion', promoted_at = now(), rolled_back_at = NULL, pinned = $2, metrics = metrics || $3 WHERE id = $1`,
        [target.id, o.pin ?? false, JSON.stringify(o.metrics ?? {})],
      );
      await o.inTransaction?.(tx, { champion: toChampion(target), previous: current ? toChampion(current) : null });
      return { id: target.id, changed: true };
    }).then(() => this.requireChampion());
  }

  /** Pins a version as champion (promoting it if needed): nightly runs do not replace it until unpinned. */
  pin(idOrName: string): Promise<Champion> {
    return this.promote(idOrName, { overridePin: true, pin: true });
  }

  async unpin(): Promise<Champion> {
    const [, affected] = await this.db.query(`UPDATE model_versions SET pinned = false WHERE status = 'champion' AND pinned`);
    if (affected === 0) throw new RegistryError('no_champion', 'no pinned champion to unpin');
    return this.requireChampion();
  }

  /**
   * Back to the previous champion: the most recently promoted retired version that was never
   * rolled back. The current one is retired and marked rolled back, so repeated rollbacks walk
   * back through the history instead of flipping between two versions.
   */
  async rollback(o: { inTransaction?: InTransaction<{ from: Champion; to: Champion }> } = {}): Promise<{ from: Champion; to: Champion }> {
    let from: Champion | undefined;
    await this.changeChampion(async (tx) => {
      const current = await tx.getRepository(ModelVersion).findOneBy({ status: 'champion' });
      if (!current) throw new RegistryError('no_champion', 'there is no champion to roll back');
      const [previous] = await tx.query(
        `SELECT id, name, artifact_path AS "artifactPath" FROM model_versions WHERE status = 'retired' AND rolled_back_at IS NULL AND promoted_at IS NOT NULL AND id <> $1
          ORDER BY promoted_at DESC LIMIT 1`,
        [current.id],
      );
      if (!previous) throw new RegistryError('no_previous_champion', `${current.name} has no previous champion to roll back to`);
      const canary = await this.canary(tx);
      if (canary) await this.closeCanary(tx, canary, { verdict: 'superseded', decidedBy: 'rollback', decision: { rolledBackTo: previous.name } });
      await tx.query(`UPDATE model_versions SET status = 'retired', retired_at = now(), rolled_back_at = now(), pinned = false WHERE id = $1`, [current.id]);
      await tx.query(`UPDATE model_versions SET status = 'champion', promoted_at = now() WHERE id = $1`, [previous.id]);
      from = toChampion(current);
      await o.inTransaction?.(tx, { from, to: previous as Champion });
      return { id: previous.id as string, changed: true };
    });
    return { from: from!, to: await this.requireChampion() };
  }

  /** Marks the canary's row ended; a canary not promoted is rejected, with the ending in its metrics. */
  private async closeCanary(tx: EntityManager, canary: Canary, e: Omit<CanaryEnding, 'expectedCanaryId' | 'inTransaction'>): Promise<void> {
    const [[row]] = await tx.query(`UPDATE canaries SET ended_at = now(), verdict = $2, decided_by = $3, decision = $4 WHERE id = $1 RETURNING run_id`, [canary.canaryId, e.verdict, e.decidedBy, JSON.stringify(e.decision)]);
    // The run that produced it ends with the live verdict.
    if (row?.run_id) await tx.query(`UPDATE training_runs SET status = $2, finished_at = now() WHERE id = $1 AND status = 'canary'`, [row.run_id, e.verdict === 'promote' ? 'promoted' : 'rejected']);
    if (e.verdict !== 'promote') {
      await tx.query(`UPDATE model_versions SET status = 'rejected', metrics = metrics || $2 WHERE id = $1`, [canary.id, JSON.stringify({ canary: { verdict: e.verdict, decidedBy: e.decidedBy, ...e.decision } })]);
    }
  }

  private async requireChampion(): Promise<Champion> {
    const champion = await this.champion();
    if (!champion) throw new RegistryError('no_champion', 'there is no champion');
    return champion;
  }

  /** Serialises changes of what is served (a SHARE ROW EXCLUSIVE lock conflicts with itself) and notifies when one happened. */
  private changeChampion(change: (tx: EntityManager) => Promise<{ id: string; changed: boolean }>): Promise<string> {
    return this.db.transaction(async (tx) => {
      await tx.query(`LOCK TABLE model_versions IN SHARE ROW EXCLUSIVE MODE`);
      const { id, changed } = await change(tx);
      if (changed) {
        const champion = await this.champion(tx);
        await tx.query(`SELECT pg_notify($1, $2)`, [CHAMPION_CHANNEL, JSON.stringify({ ...champion, schema: this.schema })]);
      }
      return id;
    });
  }

  private get schema(): string {
    return (this.db.options as { schema?: string }).schema ?? 'public';
  }
}

const toChampion = (v: ModelVersion): Champion => ({ id: v.id, name: v.name, artifactPath: v.artifactPath });
const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
