import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig, AppConfigModule } from './config';
import { Database, DatabaseModule } from './database';
import { HealthModule } from './health';
import { RateLimitModule } from './http';
import { JobsModule } from './jobs';
import { ChatModule } from './chat';
import { ConversionsModule } from './conversions';
import { LoggingModule } from './logging.module';
import { MetricsModule } from './metrics';
import { PolicyModule } from './policy';
import { PrivacyModule } from './privacy/privacy.module';
import { RegistryModule } from './registry';
import { ShutdownModule } from './shutdown';
import { SimulatorModule } from './simulator';

export interface AppModuleOptions {
  config: AppConfig;
  /** Opened (and migrated) before Nest starts, so database faults are reported plainly. */
  database: Database;
}

@Module({})
export class AppModule {
  static forRoot({ config, database }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule,
        RateLimitModule,
        DatabaseModule.forRoot(database),
        ScheduleModule.forRoot(),
        ShutdownModule,
        HealthModule,
        MetricsModule,
        SimulatorModule,
        PolicyModule,
        ChatModule,
        ConversionsModule,
        RegistryModule,
        JobsModule,
        AdminModule,
        PrivacyModule,
      ],
    };
  }
}
