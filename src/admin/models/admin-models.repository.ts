import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TrainingRun } from '../../jobs';
import { adapterOf, ModelRegistry, ModelVersion, ModelVersionStatus } from '../../registry';
import { pageOf } from '../pagination';

/** Longest parent chain followed (lineage is a chain of nightly runs; this only bounds a corrupted cycle). */
const MAX_LINEAGE = 100;

const versionRef = (v: ModelVersion) => ({ id: v.id, name: v.name, status: v.status });

/** The admin's read side of the model registry (every change goes through ModelRegistry). */
@Injectable()
export class AdminModelsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly registry: ModelRegistry,
  ) {}

  page(filter: { status?: ModelVersionStatus }, page: { limit: number; cursor?: string }) {
    const qb = this.db.getRepository(ModelVersion).createQueryBuilder('v');
    if (filter.status) qb.andWhere('v.status = :status', { status: filter.status });
    return pageOf(qb, page);
  }

  /** A version with its lineage: the chain of bases back to the first model, the adapter's base, the run that trained it. */
  async detail(idOrName: string) {
    const version = await this.registry.find(idOrName);
    const parents: ReturnType<typeof versionRef>[] = [];
    const seen = new Set([version.id]);
    for (let id = version.parentId; id && !seen.has(id) && parents.length < MAX_LINEAGE; ) {
      const parent = await this.db.getRepository(ModelVersion).findOneBy({ id });
      if (!parent) break;
      parents.push(versionRef(parent));
      seen.add(id);
      id = parent.parentId;
    }
    const adapter = adapterOf(version);
    const base = adapter ? await this.db.getRepository(ModelVersion).findOneBy({ id: adapter.baseVersionId }) : null;
    const run = version.runId ? await this.db.getRepository(TrainingRun).findOneBy({ id: version.runId }) : null;
    return {
      ...version,
      lineage: {
        parents,
        adapter: adapter ? { ...adapter, base: base ? versionRef(base) : null } : null,
        run: run && { id: run.id, status: run.status, trigger: run.trigger, estimator: run.estimator, createdAt: run.createdAt, finishedAt: run.finishedAt },
      },
    };
  }
}
