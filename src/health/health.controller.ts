import { Controller, Get, HttpStatus, Inject, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { ServerResponse } from 'node:http';
import { Database } from '../database/database';
import { ErrorBody } from '../http';
import { ShutdownDrain } from '../shutdown';
import { MODEL_STATUS, ModelStatus } from './model-status';
import { RedisIndicator } from './redis.indicator';

@Controller('health')
export class HealthController {
  private readonly startedAt = Date.now();
  private readonly logger = new Logger(HealthController.name);
  /** What the last readiness answer refused with (undefined: ready): a change is logged once, not at every probe. */
  private refusal?: string;

  constructor(
    private readonly health: HealthCheckService,
    private readonly typeOrm: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisIndicator,
    @Inject(Database) private readonly database: Database,
    @Inject(MODEL_STATUS) private readonly model: ModelStatus,
    private readonly drain: ShutdownDrain,
  ) {}

  /** Liveness: the process is up and its event loop answers. Touches nothing else. */
  @Get()
  live() {
    return { status: 'ok', uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) };
  }

  /**
   * Readiness: the database answers, the serving model is loaded and, with REDIS_URL, Redis answers;
   * 503 `not_ready` naming what is down (`shutting_down` after SIGTERM). Answered here rather than
   * thrown: the error filter would log every probe's 503 with a stack, and a load balancer probes
   * every few seconds for as long as it lasts.
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: ServerResponse): Promise<HealthCheckResult | ErrorBody> {
    const answer = await this.readiness();
    const refusal = 'code' in answer ? answer.message : undefined;
    if (refusal) res.statusCode = HttpStatus.SERVICE_UNAVAILABLE;
    if (refusal !== this.refusal) {
      if (refusal) this.logger.warn(`readiness answers 503, ${refusal}`);
      else this.logger.log('readiness answers 200 again');
      this.refusal = refusal;
    }
    return answer;
  }

  private async readiness(): Promise<HealthCheckResult | ErrorBody> {
    // Shutting down: load balancers stop sending new visitors first, while the replies under way finish.
    if (this.drain.draining) return { code: 'shutting_down', message: 'not ready: the server is shutting down' };
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
        ...this.redis.checks(),
      ]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const down = Object.keys((err.getResponse() as HealthCheckResult).error ?? {});
      return { code: 'not_ready', message: `not ready: ${down.join(', ') || 'a check failed'}` };
    }
  }
}
