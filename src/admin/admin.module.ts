import { Module } from '@nestjs/common';
import { ChatModule } from '../chat';
import { ClusterModule } from '../cluster';
import { HandoffModule } from '../handoff';
import { JobsModule } from '../jobs';
import { RegistryModule } from '../registry';
import { RulesModule } from '../rules';
import { SessionsModule } from '../sessions';
import { SimulatorModule } from '../simulator';
import { ApiKeyManager } from './api-keys/api-key-manager';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { MeController } from './api-keys/me.controller';
import { CanaryController } from './canary/canary.controller';
import { FidelityController } from './canary/fidelity.controller';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { AuditLogController } from './audit/audit-log.controller';
import { AuditLogRepository } from './audit/audit-log.repository';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ErasureRepository } from './erasure/erasure.repository';
import { ErasureService } from './erasure/erasure.service';
import { ErasuresController } from './erasure/erasures.controller';
import { AdminGateway } from './handoff/admin.gateway';
import { HandoffRulesController } from './handoff/handoff-rules.controller';
import { HandoffsController, SessionHandoffController } from './handoff/handoffs.controller';
import { OperatorHandoffs } from './handoff/operator-handoffs';
import { AdminMetricsRepository } from './metrics/admin-metrics.repository';
import { MetricsController } from './metrics/metrics.controller';
import { AdminModelsRepository } from './models/admin-models.repository';
import { ModelsController } from './models/models.controller';
import { PersonasController } from './personas/personas.controller';
import { RulesController } from './rules/rules.controller';
import { AdminSessionsRepository } from './sessions/admin-sessions.repository';
import { SettingsController } from './settings/settings.controller';
import { SessionsController } from './sessions/sessions.controller';
import { AdminTrainingRunsRepository } from './training-runs/admin-training-runs.repository';
import { TrainingRunsController } from './training-runs/training-runs.controller';

/** The ops admin's REST API under /api/v1/admin (API keys with roles, audit log); docs/admin.md. */
@Module({
  imports: [RegistryModule, JobsModule, SimulatorModule, RulesModule, SessionsModule, ChatModule, HandoffModule, ClusterModule],
  controllers: [
    SessionsController,
    ModelsController,
    TrainingRunsController,
    ApiKeysController,
    MeController,
    CanaryController,
    FidelityController,
    AuditLogController,
    MetricsController,
    PersonasController,
    SettingsController,
    RulesController,
    ErasuresController,
    HandoffsController,
    SessionHandoffController,
    HandoffRulesController,
  ],
  providers: [
    ApiKeysRepository,
    ApiKeyManager,
    AuditLogRepository,
    ApiKeyGuard,
    AdminSessionsRepository,
    AdminModelsRepository,
    AdminTrainingRunsRepository,
    AdminMetricsRepository,
    ErasureRepository,
    ErasureService,
    OperatorHandoffs,
    AdminGateway,
  ],
  // Retention (src/privacy) deletes expired sessions with the erasure's walk, audited.
  exports: [ErasureRepository, AuditLogRepository],
})
export class AdminModule {}
