import { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/bootstrap';
import { AppConfig, DatabaseConfig, loadConfig } from '../../src/config';
import { Database } from '../../src/database';
import { MODEL_STATUS, ModelStatus } from '../../src/health';
import { ModelPolicyService, REPLY_POLICY, ReplyPolicy } from '../../src/policy';

export interface TestAppOptions {
  /** Replaces the served model (e.g. a scripted policy that breaks a rule on purpose). */
  replyPolicy?: ReplyPolicy;
  /** Serves the model through a subclass instead (e.g. one that slows its replies), so promotions still reach it. */
  modelPolicy?: Type<ModelPolicyService>;
  /** Replaces what readiness reports about the served model. */
  modelStatus?: ModelStatus;
  env?: Record<string, string>;
}

/** The real application on the given database, quiet logs, not listening (supertest binds it). */
export async function startTestApp(database: DatabaseConfig, options: TestAppOptions = {}): Promise<{ app: INestApplication; db: Database; config: AppConfig }> {
  const config: AppConfig = { ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', POLICY_PRECOMPILE: 'false', POLICY_INFERENCE_THREADS: '1', ...options.env }), database };
  const db = await Database.open(database);
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot({ config, database: db })] });
  if (options.replyPolicy) builder = builder.overrideProvider(REPLY_POLICY).useValue(options.replyPolicy);
  if (options.modelPolicy) builder = builder.overrideProvider(ModelPolicyService).useClass(options.modelPolicy);
  if (options.modelStatus) builder = builder.overrideProvider(MODEL_STATUS).useValue(options.modelStatus);
  const app = (await builder.compile()).createNestApplication({ bufferLogs: true, bodyParser: false });
  configureApp(app);
  await app.init();
  return { app, db, config };
}
