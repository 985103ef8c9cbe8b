import { Controller, Get, HttpStatus, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Database } from '../database/database';
import { httpError } from '../http';
import { ShutdownDrain } from '../shutdown';
import { MODEL_STATUS, ModelStatus } from './model-status';

@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();

  constructor(
    private readonly health: HealthCheckService,
    private readonly typeOrm: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(Database) private readonly database: Database,
    @Inject(MODEL_STATUS) private readonly model: ModelStatus,
    private readonly drain: ShutdownDrain,
  ) {}

  /** Liveness: the process is up and its event loop answers. Touches nothing else. */
  @Get()
  live() {
    return { status: 'ok', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  /** Readiness: the database answers and the serving model is loaded; 503 `not_ready` naming what is down (`shutting_down` after SIGTERM). */
  @Get('ready')
  @HealthCheck()
  async ready() {
    // Shutting down: load balancers stop sending new visitors first, while the replies under way finish.
    if (this.drain.draining) throw httpError(HttpStatus.SERVICE_UNAVAILABLE, 'shutting_down', 'not ready: the server is shutting down');
    try {
      return await this.health.check([
        async () => {
          const { database } = await this.typeOrm.pingCheck('database', { timeout: 3000 });
          return { database: { ...database, kind: this.database.kind } };
        },
        async () => {
          const indicator = this.indicators.check('model');
          return this.model.isLoaded()
            ? indicator.up({ loaded: true, version: this.model.versionName() })
            : indicator.down({ loaded: false });
        },
      ]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const down = Object.keys((err.getResponse() as HealthCheckResult).error ?? {});
      throw httpError(HttpStatus.SERVICE_UNAVAILABLE, 'not_ready', `not ready: ${down.join(', ') || 'a check failed'}`);
    }
  }
}
