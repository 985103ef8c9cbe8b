import { Command } from 'commander';
import { inspectModel, ModelReport } from '../model';

const gib = (bytes: number) => (bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(2)} GiB`);

function describe(r: ModelReport): string {
  const lines = [`model folder: ${r.dir}`];
  const ad = r.adapter;
  if (ad) lines.push(`LoRA adapter (PEFT): rank ${ad.rank}, alpha ${ad.alpha} on ${ad.targets.join(', ')}, ${ad.parameters} parameters; served merged into its base ${ad.baseModel}, described below`);
  const a = r.architecture;
  if (a) {
    lines.push(
      `architecture: ${a.modelType}, ${a.layers} layers, hidden ${a.hidden}, MLP ${a.intermediate} (${a.activation}), ${a.heads} heads / ${a.kvHeads} key-value heads of ${a.headDim}, vocabulary ${a.vocab}`,
      `  RoPE ${a.rope}; biases: ${a.biases.join(', ') || 'none'}; q/k norm: ${a.qkNorm ? 'yes' : 'no'}; sliding window: ${a.slidingWindow ?? 'none'}; tied embeddings: ${a.tiedEmbeddings ? 'yes' : 'no'}; ${a.maxPositions} positions`,
    );
  }
  const w = r.weights;
  if (w) {
    const dtypes = Object.entries(w.storedDtypes).map(([d, n]) => `${d} ×${n}`).join(', ');
    lines.push(`weights: ${(w.parameters / 1e6).toFixed(1)}M parameters in ${w.files.join(', ')} (stored ${dtypes})${w.ignoredTensors.length ? `; not used: ${w.ignoredTensors.join(', ')}` : ''}`);
  }
  const m = r.memory;
  if (m) {
    lines.push(`memory (float32): serving holds the weights once, ${gib(m.weights)}, + ${(m.kvCachePerToken / 1024).toFixed(1)} KiB of KV cache per token held; full fine-tuning ≥ ${gib(m.fullFineTuning)} before activations`);
  }
  const t = r.tokenizer;
  if (t) {
    const sampling = Object.entries(t.samplingDefaults).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`tokenizer: ${t.vocabulary} ids; chat template ${t.templateRenders ? 'renders' : 'fails'}; end-of-reply ids [${t.eosTokens.join(', ')}]; sampling defaults: ${sampling || 'none (generation_config.json absent or silent)'}`);
  }
  lines.push(r.refusals.length ? `refused:\n${r.refusals.map((x) => `  - ${x}`).join('\n')}` : 'refused: nothing; this folder can be served and trained');
  return lines.join('\n');
}

/** `inspect`: what a model folder is and whether Closer can serve it, reading headers only. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('describe a Hugging Face model folder: architecture, parameters, dtype, memory, tokenizer and template, and anything that would be refused')
    .option('--model <dir>', 'model folder', 'models/default')
    .option('--json', 'print the report as JSON')
    .action(async (o: { model: string; json?: boolean }) => {
      const report = await inspectModel(o.model);
      console.log(o.json ? JSON.stringify(report, null, 2) : describe(report));
      if (report.refusals.length) process.exitCode = 1;
    });
}
