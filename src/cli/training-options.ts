import { Command, InvalidArgumentError, Option } from 'commander';
import { ExecutionProvider } from '../engine';
import { loraConfig } from '../model';
import { defaultPolicyLossConfig, defaultPolicyOptimizerConfig, LossAggregation, lossAggregations, PolicyOptimizerConfig } from '../rl';
import { AdvantageConfig, defaultAdvantageConfig } from '../rl/advantages';
import { PoolTrainingOptions } from '../rl/pool-backend';
import { defaultRewardConfig, SessionRewardKind } from '../scoring';
import { ProductCatalog } from '../catalog';
import { Persona, VisitorKind } from '../simulator';
import { addCatalogOptions, CatalogFlags } from './catalog-options';
import { nonNegativeNumber, positiveInt, positiveNumber, visitorKindOption } from './options';

/** The knobs `train` and `compare` share, named as TRL's GRPO config names them where it has one. */
export interface TrainingFlags extends CatalogFlags {
  steps: number;
  contexts: number;
  group: number;
  init: string;
  device: ExecutionProvider;
  workers: number;
  maxAgentTurns: number;
  checkpointEvery: number;
  lr: number;
  epsilon: number;
  epsilonHigh: number;
  beta: number;
  lossAggregation: LossAggregation;
  epochs: number;
  miniBatches: number;
  microBatch: number;
  maxGradNorm: number;
  alpha: number;
  hianBeta: number;
  lambda: number;
  gamma: number;
  sessionReward: SessionRewardKind;
  visitor: VisitorKind;
  updateThreads: number;
  rollouts: 'local' | 'redis';
  loraRank?: number;
  loraAlpha?: number;
  loraTargets: string;
}

export function addTrainingOptions(command: Command): Command {
  const d = defaultPolicyOptimizerConfig;
  return addCatalogOptions(command)
    .option('--steps <n>', 'training steps (rollout batch + update each)', positiveInt, 70)
    .option('--contexts <n>', 'contexts (persona + visitor) per step', positiveInt, 4)
    .option('--group <n>', 'sessions per context (G, TRL num_generations)', positiveInt, 8)
    .option('--init <dir>', 'initial and reference model folder', 'models/default')
    .addOption(new Option('--device <device>', 'where the update runs').choices(['cpu', 'cuda']).default('cpu'))
    .option('--workers <n>', 'rollout worker threads', positiveInt, 2)
    .option('--max-agent-turns <n>', 'longest simulated session in agent turns', positiveInt, 12)
    .option('--visitor <kind>', 'the visitor rollouts train against: strict (real customers) or persuadable (moved by forbidden tactics); held-out evaluation stays strict', visitorKindOption, 'strict')
    .option('--checkpoint-every <n>', 'checkpoint every K steps', positiveInt, 10)
    .option('--lr <x>', 'AdamW learning rate', positiveNumber, d.learningRate)
    .option('--epsilon <x>', 'lower clip range of the ratio', positiveNumber, defaultPolicyLossConfig.epsilon)
    .option('--epsilon-high <x>', 'upper clip range of the ratio', positiveNumber, defaultPolicyLossConfig.epsilonHigh)
    .option('--beta <x>', 'KL coefficient to the reference model (k3)', nonNegativeNumber, defaultPolicyLossConfig.klCoef)
    .addOption(new Option('--loss-aggregation <kind>', 'how token losses are averaged').choices([...lossAggregations]).default(d.aggregation))
    .option('--epochs <n>', 'passes over each rollout batch (num_iterations)', positiveInt, d.epochs)
    .option('--mini-batches <n>', 'optimizer steps per pass', positiveInt, d.miniBatches)
    .option('--micro-batch <n>', 'sessions per engine call', positiveInt, d.microBatch)
    .option('--max-grad-norm <x>', 'global gradient-norm clip', positiveNumber, d.maxGradNorm)
    .option('--alpha <x>', 'HIAN weight of the session advantage', nonNegativeNumber, defaultAdvantageConfig.alpha)
    .option('--hian-beta <x>', 'HIAN weight of the turn advantage', nonNegativeNumber, defaultAdvantageConfig.beta)
    .option('--lambda <x>', 'MT-GRPO weight of the outcome advantage', nonNegativeNumber, defaultAdvantageConfig.lambda)
    .option('--gamma <x>', 'MAPO discount over turns', nonNegativeNumber, defaultAdvantageConfig.gamma)
    .addOption(new Option('--session-reward <kind>', 'deal value, or 1/0 conversion').choices(['value', 'conversion']).default(defaultRewardConfig.sessionReward))
    .option('--update-threads <n>', 'ORT threads of the update', positiveInt, 2)
    .option('--lora-rank <r>', 'train a LoRA adapter of this rank instead of every weight (PEFT layout in the model folder)', positiveInt)
    .option('--lora-alpha <x>', 'LoRA alpha (scale alpha / rank; default 2 × rank)', positiveNumber)
    .option('--lora-targets <list>', 'comma-separated Linear modules the adapter wraps', 'q_proj,k_proj,v_proj,o_proj')
    .addOption(new Option('--rollouts <where>', 'local worker threads, or `closer rollout-worker` processes through BullMQ on REDIS_URL').choices(['local', 'redis']).default('local'));
}

/** The flags `closer train` runs with when given none: parsed from the options themselves, so they cannot drift from them. */
export function defaultTrainingFlags(): TrainingFlags {
  return addTrainingOptions(new Command()).parse([], { from: 'user' }).opts<TrainingFlags>();
}

export function advantageConfig(f: TrainingFlags): AdvantageConfig {
  return { ...defaultAdvantageConfig, alpha: f.alpha, beta: f.hianBeta, lambda: f.lambda, gamma: f.gamma };
}

export function optimizerConfig(f: TrainingFlags): PolicyOptimizerConfig {
  if (f.epsilonHigh < f.epsilon) throw new InvalidArgumentError('--epsilon-high must be ≥ --epsilon');
  return {
    ...defaultPolicyOptimizerConfig,
    loss: { epsilon: f.epsilon, epsilonHigh: f.epsilonHigh, klCoef: f.beta },
    aggregation: f.lossAggregation,
    learningRate: f.lr,
    maxGradNorm: f.maxGradNorm,
    epochs: f.epochs,
    miniBatches: f.miniBatches,
    microBatch: f.microBatch,
    ...(f.loraRank ? { lora: loraConfig(f.loraRank, f.loraTargets.split(',').map((t) => t.trim()), f.loraAlpha) } : {}),
  };
}

export function poolTrainingOptions(f: TrainingFlags, rewardScale: number, sells: { catalog: ProductCatalog; personas: Persona[] }): PoolTrainingOptions {
  return {
    init: f.init,
    catalog: sells.catalog,
    personas: sells.personas,
    device: f.device,
    workers: f.workers,
    maxAgentTurns: f.maxAgentTurns,
    optimizer: optimizerConfig(f),
    rewards: { ...defaultRewardConfig, sessionReward: f.sessionReward },
    rewardScale,
    visitor: f.visitor,
    updateThreads: f.updateThreads,
    redisUrl: f.rollouts === 'redis' ? requireRedisUrl() : undefined,
  };
}

function requireRedisUrl(): string {
  if (!process.env.REDIS_URL) throw new InvalidArgumentError('--rollouts redis needs REDIS_URL');
  return process.env.REDIS_URL;
}

/** One progress line on a terminal (rewritten in place); nothing when stderr is not a TTY. */
export function progressLine(label: string, step: number, steps: number, m: { conversion_rate: number; session_reward: number; kl: number; rollout_seconds: number; update_seconds: number }): void {
  if (!process.stderr.isTTY) return;
  const width = 24;
  const done = Math.round((width * step) / steps);
  process.stderr.write(
    `\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${step}/${steps} ` +
      `conv ${m.conversion_rate.toFixed(2)} R ${m.session_reward.toFixed(0)} kl ${m.kl.toFixed(4)} ` +
      `${(m.rollout_seconds + m.update_seconds).toFixed(1)} s/step${step === steps ? '\n' : ''}`,
  );
}
