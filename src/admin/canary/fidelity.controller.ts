import { Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AdminController } from '../auth/admin-controller.decorator';

/** The simulator's fidelity: per model version, its latest report (live against simulated rates, with the gaps). */
@AdminController('fidelity', 'canary')
export class FidelityController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'per model version, the latest fidelity report: live and simulated conversion, violations per turn, repetition, identity questions and session length, each gap (simulated − live) with its 95% interval' })
  async latest() {
    const items = await this.db.query(
      `SELECT DISTINCT ON (f.version_id) f.version_id AS "versionId", v.name AS version, v.status, f.run_id AS "runId", f.live_sessions AS "liveSessions",
              f.simulated_sessions AS "simulatedSessions", f.report->'gaps' AS gaps, f.created_at AS "measuredAt"
         FROM fidelity_reports f JOIN model_versions v ON v.id = f.version_id
        ORDER BY f.version_id, f.created_at DESC`,
    );
    return { items };
  }
}
