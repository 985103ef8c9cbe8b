import { ProductCatalog } from '../catalog';
import { ExecutionProvider } from '../engine';
import { defaultPolicyLossConfig, defaultPolicyOptimizerConfig, RunDirectory, runTrainingLoop, StepMetrics, TrainingLoopConfig, TrainingProgress } from '../rl';
import { openPoolTraining } from '../rl/pool-backend';
import { LoraConfig } from '../model';
import { writeAdapterModel, writeCandidateModel } from '../rl/trainer/candidate-model';
import { ComplianceRule, defaultRewardConfig } from '../scoring';
import { Persona, VisitorKind } from '../simulator';

export interface CandidateTrainingJob {
  /** The model folder training starts from (the run's base version) and the KL reference. */
  init: string;
  run: RunDirectory;
  loop: TrainingLoopConfig;
  catalog: ProductCatalog;
  personas: Persona[];
  /** The compliance rules in force when the run started: the turn rewards score with them. */
  complianceRules: ComplianceRule[];
  device: ExecutionProvider;
  workers: number;
  updateThreads: number;
  maxAgentTurns: number;
  /** The visitor the rollouts play against. */
  visitor: VisitorKind;
  /** Where the candidate model folder is written. */
  outDir: string;
  /** Train a LoRA adapter instead of every weight; `adapterOnly`: the folder holds just the adapter over `init`. */
  lora?: { config: LoraConfig; adapterOnly: boolean };
  card: (metrics: StepMetrics[]) => string;
  /** Called after each step; throwing stops the run (cancel, lost lease) with the last checkpoint kept. */
  onStep: (p: TrainingProgress) => void;
}

/** Trains a candidate and writes its model folder; returns the per-step metrics of the whole run. */
export type CandidateTrainer = (job: CandidateTrainingJob) => Promise<StepMetrics[]>;

/** DuCA training through the local rollout pool, resumed from the run folder's last checkpoint. */
export const ducaCandidateTrainer: CandidateTrainer = async (job) => {
  const training = await openPoolTraining({
    init: job.init,
    catalog: job.catalog,
    personas: job.personas,
    device: job.device,
    workers: job.workers,
    maxAgentTurns: job.maxAgentTurns,
    optimizer: { ...defaultPolicyOptimizerConfig, loss: defaultPolicyLossConfig, ...(job.lora ? { lora: job.lora.config } : {}) },
    rewards: defaultRewardConfig,
    rewardScale: 1,
    visitor: job.visitor,
    complianceRules: job.complianceRules,
    updateThreads: job.updateThreads,
  });
  try {
    const metrics = await runTrainingLoop(job.run, job.loop, training.optimizer, training.rollouts, job.onStep);
    const adapter = job.lora && { lora: job.lora.config, tensors: training.optimizer.adapter };
    if (adapter && job.lora?.adapterOnly) await writeAdapterModel(job.init, adapter, job.outDir, job.card(metrics));
    else await writeCandidateModel(job.init, training.optimizer.params, job.outDir, job.card(metrics), adapter);
    return metrics;
  } finally {
    await training.close();
  }
};
