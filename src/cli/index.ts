import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ApiKeyError } from '../admin';
import { CatalogError } from '../catalog';
import { RunQueueError } from '../jobs';
import { UnsupportedConfigError } from '../model';
import { GpuSetupError } from '../nightly';
import { RegistryError } from '../registry';
import { AdvantageInputError } from '../rl';
import { TextInputError } from '../scoring';
import { InvalidPersonasError, LlmSimulatorError, UnknownAgentError, UnknownPersonaError } from '../simulator';
import { describeStartupError } from '../startup-error';
import { registerAdminKey } from './admin-key';
import { registerBuildModel } from './build-model';
import { registerCalibrate } from './calibrate';
import { registerCompare } from './compare';
import { registerDrive } from './drive';
import { registerDucaRegimes } from './duca-regimes';
import { registerEvalIntents } from './eval-intents';
import { registerGenerate } from './generate';
import { registerGpuSetup } from './gpu-setup';
import { registerInspect } from './inspect';
import { registerMigrate } from './migrate';
import { registerModels } from './models';
import { registerNightly } from './nightly';
import { registerSimulate } from './simulate';
import { registerRolloutWorker } from './rollout-worker';
import { registerSiteAdd } from './site-add';
import { registerSiteUpdate } from './site-update';
import { registerTrain } from './train';
import { registerWorker } from './worker';

/** `closer` command line (`npm run closer -- <command>`): one file per command in this folder. */
export function buildCli(): Command {
  const program = new Command('closer').description('Closer: a sales-chat agent server that learns online with DuCA').showHelpAfterError();
  for (const register of [registerMigrate, registerSiteAdd, registerSiteUpdate, registerSimulate, registerCalibrate, registerBuildModel, registerEvalIntents, registerGenerate, registerInspect, registerTrain, registerCompare, registerDucaRegimes, registerDrive, registerRolloutWorker, registerNightly, registerWorker, registerModels, registerGpuSetup, registerAdminKey]) register(program);
  return program;
}

/** Mistakes in what the user asked for: reported in one line, without a stack. */
const isUserError = (err: unknown) =>
  err instanceof UnknownPersonaError ||
  err instanceof InvalidPersonasError ||
  err instanceof CatalogError ||
  err instanceof UnknownAgentError ||
  err instanceof LlmSimulatorError ||
  err instanceof TextInputError ||
  err instanceof InvalidArgumentError ||
  err instanceof AdvantageInputError ||
  err instanceof RegistryError ||
  err instanceof RunQueueError ||
  err instanceof ApiKeyError ||
  err instanceof GpuSetupError ||
  err instanceof UnsupportedConfigError;

if (require.main === module) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      const message = isUserError(err) ? (err as Error).message : describeStartupError(err, { databaseUrl: process.env.DATABASE_URL });
      process.stderr.write(`closer: ${message}\n`);
      process.exit(1);
    });
}
