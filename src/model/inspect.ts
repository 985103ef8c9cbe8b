import { basename, join } from 'node:path';
import { TensorEntry } from '../engine';
import { expectedParameters, readModelConfig, storedTensors, weightFiles } from './checkpoint';
import { ModelConfig } from './config';
import { readGenerationConfig } from './generation-config';
import { fileExists, hasPeftAdapter, loadPeftAdapter, tokenizerDir } from './lora/peft';
import { ChatTokenizer } from './tokenizer';

/** What `closer inspect` finds in a model folder, before anything is served or trained. */
export interface ModelReport {
  dir: string;
  /** One line per problem that stops the folder from being served; empty when it loads. */
  refusals: string[];
  architecture?: {
    modelType: string;
    layers: number;
    hidden: number;
    intermediate: number;
    heads: number;
    kvHeads: number;
    headDim: number;
    vocab: number;
    activation: string;
    rope: string;
    biases: string[];
    qkNorm: boolean;
    slidingWindow?: number;
    tiedEmbeddings: boolean;
    maxPositions: number;
  };
  weights?: { files: string[]; storedDtypes: Record<string, number>; parameters: number; ignoredTensors: string[] };
  /** Bytes, float32 as the engine computes; serving holds the weights once. */
  memory?: { weights: number; kvCachePerToken: number; fullFineTuning: number };
  /** For a PEFT adapter folder: the adapter; the other fields describe its base model. */
  adapter?: { baseModel: string; rank: number; alpha: number; targets: string[]; parameters: number };
  /** `vocabulary`: one past the largest id tokenizer.json can produce. */
  tokenizer?: { vocabulary: number; eosTokens: number[]; templateRenders: boolean; samplingDefaults: Record<string, number> };
}

export async function inspectModel(dir: string): Promise<ModelReport> {
  const report: ModelReport = { dir, refusals: [] };
  const refuse = (e: unknown) => report.refusals.push(e instanceof Error ? e.message : String(e));
  let modelDir = dir;
  if (!(await fileExists(join(dir, 'config.json'))) && (await hasPeftAdapter(dir))) {
    const adapter = await loadPeftAdapter(dir).catch((e) => void refuse(e));
    if (!adapter) return report;
    const parameters = [...adapter.tensors.values()].reduce((n, t) => n + t.length, 0);
    report.adapter = { baseModel: adapter.baseModel, rank: adapter.lora.rank, alpha: adapter.lora.alpha, targets: adapter.lora.targets, parameters };
    modelDir = adapter.baseModel;
  }
  const config = await readModelConfig(modelDir).catch((e) => void refuse(e));
  if (config) {
    report.architecture = describeArchitecture(config);
    await inspectWeights(modelDir, config, report).catch(refuse);
  }
  const filesDir = await tokenizerDir(dir);
  await inspectTokenizer(filesDir, config, report).catch(refuse);
  return report;
}

function describeArchitecture(c: ModelConfig): NonNullable<ModelReport['architecture']> {
  const biases = [c.qkvBias && 'q/k/v', c.outputBias && 'o_proj', c.mlpBias && 'mlp'].filter((b): b is string => !!b);
  const rope = c.rope.type === 'default' ? `default (theta ${c.ropeTheta})` : `${c.rope.type} ×${c.rope.factor} (theta ${c.ropeTheta})`;
  return {
    modelType: c.modelType,
    layers: c.numLayers,
    hidden: c.hiddenSize,
    intermediate: c.intermediateSize,
    heads: c.numHeads,
    kvHeads: c.numKvHeads,
    headDim: c.headDim,
    vocab: c.vocabSize,
    activation: c.hiddenAct,
    rope,
    biases,
    qkNorm: c.qkNorm,
    ...(c.slidingWindow !== undefined ? { slidingWindow: c.slidingWindow } : {}),
    tiedEmbeddings: c.tieWordEmbeddings,
    maxPositions: c.maxPositions,
  };
}

/** Headers only: names, shapes and types are checked without reading any weight. */
async function inspectWeights(dir: string, c: ModelConfig, report: ModelReport): Promise<void> {
  const files = await weightFiles(dir);
  const stored = await storedTensors(dir);
  const expected = expectedParameters(c);
  const storedDtypes: Record<string, number> = {};
  let parameters = 0;
  for (const [name, shape] of expected) {
    const entry: TensorEntry | undefined = stored.get(name);
    if (!entry) {
      report.refusals.push(`${dir}: the checkpoint has no tensor ${name} (config.json implies it)`);
      continue;
    }
    if (entry.shape.join() !== shape.join()) report.refusals.push(`${dir}: ${name} has shape [${entry.shape.join(', ')}], config.json implies [${shape.join(', ')}]`);
    if (!['F32', 'F16', 'BF16', 'F64'].includes(entry.dtype)) report.refusals.push(`${dir}: ${name} is stored as ${entry.dtype} (F32, F16, BF16 and F64 are read)`);
    storedDtypes[entry.dtype] = (storedDtypes[entry.dtype] ?? 0) + 1;
    parameters += shape.reduce((a, b) => a * b, 1);
  }
  const ignoredTensors = [...stored.keys()].filter((name) => !expected.has(name));
  report.weights = { files: [...new Set([...files.values()].map((f) => basename(f)))], storedDtypes, parameters, ignoredTensors };
  const weights = parameters * 4;
  report.memory = {
    weights,
    kvCachePerToken: 2 * c.numLayers * c.numKvHeads * c.headDim * 4,
    // Weights, gradients and AdamW's two moments; activations come on top.
    fullFineTuning: weights * 4,
  };
}

async function inspectTokenizer(dir: string, config: ModelConfig | void, report: ModelReport): Promise<void> {
  const [tokenizer, generation] = await Promise.all([ChatTokenizer.load(dir), readGenerationConfig(dir)]);
  let templateRenders = true;
  try {
    tokenizer.renderChat([
      { role: 'system', content: 'You are a sales assistant.' },
      { role: 'user', content: 'How much is it?' },
    ]);
  } catch (e) {
    templateRenders = false;
    report.refusals.push(`${dir}: the chat template does not render a system + user conversation: ${(e as Error).message}`);
  }
  const vocabulary = Math.max(-1, ...tokenizer.tokenizer.get_vocab(true).values()) + 1;
  if (config && vocabulary > config.vocabSize) report.refusals.push(`${dir}: tokenizer.json has ids up to ${vocabulary - 1}, beyond config.json's vocab_size ${config.vocabSize}`);
  const eosTokens = [...new Set([...(config ? config.eosTokenIds : []), ...generation.eosTokenIds, ...(tokenizer.eosTokenId === undefined ? [] : [tokenizer.eosTokenId])])];
  if (eosTokens.length === 0) report.refusals.push(`${dir}: no end-of-reply token (no eos_token_id in config.json or generation_config.json, no eos_token in tokenizer_config.json)`);
  report.tokenizer = { vocabulary, eosTokens, templateRenders, samplingDefaults: generation.sampling as Record<string, number> };
}
