import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProductCatalog } from '../../catalog';
import { buildTrainingProgram, Rng, Trainer } from '../../engine';
import { Persona } from '../../simulator';
import { tokenizerJson, trainBpe } from '../bpe-trainer';
import { chatTokenizerConfig, SPECIAL_TOKENS } from '../chat-format';
import { saveCheckpoint } from '../checkpoint';
import { parseModelConfig } from '../config';
import { buildCausalLmGraph } from '../llama';
import { ChatTokenizer } from '../tokenizer';
import { generateCorpus } from './corpus';
import { batchOf, packWindows, tokenizeDialogue } from './sft-data';

export interface BuildModelOptions {
  outDir: string;
  catalog: ProductCatalog;
  personas: Persona[];
  dialogues: number;
  /** Intent dialogues added to the simulated sales dialogues (see intent-corpus.ts). */
  intentDialogues: number;
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  /** Key/value heads (grouped-query attention when fewer than `heads`). */
  kvHeads: number;
  seq: number;
  batch: number;
  steps: number;
  lr: number;
  seed: number;
  threads?: number;
  log?: (line: string) => void;
}

export interface BuildReport {
  parameters: number;
  /** Tokens in the trained vocabulary (BPE stops early when no pair repeats). */
  vocabulary: number;
  corpusDialogues: number;
  /** Tokens in the corpus (all roles), and of those the assistant tokens the loss covers. */
  corpusTokens: number;
  corpusAssistantTokens: number;
  trainingTokens: number;
  steps: number;
  firstLoss: number;
  finalLoss: number;
  heldOutLoss: number;
  seconds: number;
}

/**
 * Builds the shipped default model end to end: corpus → tokenizer → SFT on assistant turns →
 * `config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`, `README.md`.
 */
export async function buildDefaultModel(o: BuildModelOptions): Promise<BuildReport> {
  const log = o.log ?? (() => undefined);
  const started = performance.now();
  await mkdir(o.outDir, { recursive: true });

  const corpus = await generateCorpus({ catalog: o.catalog, personas: o.personas, dialogues: o.dialogues, intentDialogues: o.intentDialogues, seed: o.seed });
  log(`corpus: ${o.dialogues} sales dialogues, ${o.intentDialogues} intent dialogues`);
  const specials = Object.values(SPECIAL_TOKENS);
  const bpe = trainBpe(
    corpus.flatMap((d) => d.messages.map((m) => `${m.role}\n${m.content}\n`)),
    { vocabSize: o.vocabSize, specialTokens: specials },
  );
  await writeFile(join(o.outDir, 'tokenizer.json'), JSON.stringify(tokenizerJson(bpe, specials)));
  await writeFile(join(o.outDir, 'tokenizer_config.json'), JSON.stringify(chatTokenizerConfig(), null, 2) + '\n');
  const tokenizer = await ChatTokenizer.load(o.outDir);
  log(`tokenizer: ${bpe.vocab.size} tokens`);

  const tokenized = corpus.map((d) => tokenizeDialogue(tokenizer, d.messages));
  const corpusTokens = tokenized.reduce((n, d) => n + d.ids.length, 0);
  const corpusAssistantTokens = tokenized.reduce((n, d) => n + d.trainable.reduce((a, b) => a + b, 0), 0);
  log(`corpus tokens: ${corpusTokens} (${corpusAssistantTokens} in assistant replies)`);
  const separator = tokenizer.tokenId(SPECIAL_TOKENS.endOfText)!;
  const windows = packWindows(tokenized, o.seq, separator);
  const heldOut = windows.splice(0, Math.max(o.batch, Math.floor(windows.length * 0.05)));
  log(`windows: ${windows.length} train, ${heldOut.length} held out, ${o.seq} tokens each`);

  const config = parseModelConfig({
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: bpe.vocab.size,
    hidden_size: o.hiddenSize,
    intermediate_size: Math.round((o.hiddenSize * 8) / 3 / 16) * 16,
    num_hidden_layers: o.layers,
    num_attention_heads: o.heads,
    num_key_value_heads: o.kvHeads,
    max_position_embeddings: 1024,
    rope_theta: 10000,
    rms_norm_eps: 1e-5,
    tie_word_embeddings: true,
    bos_token_id: null,
    eos_token_id: tokenizer.tokenId(SPECIAL_TOKENS.imEnd),
    torch_dtype: 'float32',
  });
  const lm = buildCausalLmGraph(config, o.batch, o.seq);
  const program = buildTrainingProgram(lm.graph, lm.loss, { optimizer: { kind: 'adamw', weightDecay: 0.05, beta2: 0.98 }, maxGradNorm: 1 });
  const trainer = await Trainer.create(program, { seed: o.seed, intraOpThreads: o.threads });
  const parameters = program.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  log(`model: ${parameters} parameters`);

  const rng = new Rng(o.seed);
  const warmup = Math.min(200, Math.floor(o.steps / 10));
  let firstLoss = NaN;
  let recent: number[] = [];
  for (let step = 1; step <= o.steps; step++) {
    const lr = step <= warmup ? (o.lr * step) / warmup : o.lr * 0.5 * (1 + Math.cos((Math.PI * (step - warmup)) / (o.steps - warmup)));
    const picked = Array.from({ length: o.batch }, () => windows[rng.int(windows.length)]);
    const b = batchOf(picked, o.seq);
    const { loss } = await trainer.step({ input_ids: b.inputIds, target_ids: b.targetIds, loss_mask: b.lossMask }, { lr });
    if (step === 1) firstLoss = loss;
    recent.push(loss);
    if (step % 100 === 0 || step === o.steps) {
      log(`step ${step}/${o.steps} loss ${(recent.reduce((a, c) => a + c, 0) / recent.length).toFixed(3)} lr ${lr.toExponential(2)}`);
      if (step !== o.steps) recent = [];
    }
  }
  const finalLoss = recent.reduce((a, c) => a + c, 0) / recent.length;
  let heldOutLoss = 0;
  const heldOutBatches = Math.floor(heldOut.length / o.batch);
  for (let i = 0; i < heldOutBatches; i++) {
    const b = batchOf(heldOut.slice(i * o.batch, (i + 1) * o.batch), o.seq);
    heldOutLoss += Number((await trainer.evaluate({ input_ids: b.inputIds, target_ids: b.targetIds, loss_mask: b.lossMask })).loss.data[0]);
  }
  heldOutLoss /= Math.max(1, heldOutBatches);

  const tensors = new Map([...trainer.params].map(([name, data]) => [name, { name, shape: lm.graph.params.get(name)!.value.shape, data }]));
  await saveCheckpoint(o.outDir, { config, tensors });
  await trainer.release();
  const report: BuildReport = {
    parameters,
    vocabulary: config.vocabSize,
    corpusDialogues: corpus.length,
    corpusTokens,
    corpusAssistantTokens,
    trainingTokens: o.steps * o.batch * o.seq,
    steps: o.steps,
    firstLoss,
    finalLoss,
    heldOutLoss,
    seconds: (performance.now() - started) / 1000,
  };
  await writeFile(join(o.outDir, 'README.md'), modelCard(o, report));
  return report;
}

function modelCard(o: BuildModelOptions, r: BuildReport): string {
  return `# Closer default sales model

A tiny Llama-architecture chat model trained from scratch by \`npm run build:model\` for
${o.catalog.product}. Its corpus has two parts, both written from the catalog: sales dialogues of a
scripted salesperson against the rule-based visitor simulator, with injected flaws (repeated
sentences, stock phrases, occasional non-compliant claims), and intent dialogues answering what
visitors ask (each plan's price, seat arithmetic, which plan has a feature, discounts, trial,
security, contract, refunds, AI disclosure, small talk, off-topic questions, objections, requests
for a person), asked in visitors' own voices (other sentence shapes, lead-ins and small talk, typos,
two questions in one message: \`visitor-voice.ts\`). It is the
starting policy that DuCA training improves: it answers the facts, and still sells like the
mediocre scripted salesperson. Accuracy per intent: \`npm run closer -- eval-intents\` (docs/model.md).

| | |
| --- | --- |
| parameters | ${r.parameters.toLocaleString('en-US')} |
| layers / hidden / heads / key-value heads | ${o.layers} / ${o.hiddenSize} / ${o.heads} / ${o.kvHeads} |
| vocabulary | byte-level BPE, ${r.vocabulary} tokens, ChatML template |
| corpus | ${o.dialogues} sales dialogues + ${o.intentDialogues} intent dialogues (seed ${o.seed}), ${r.corpusTokens.toLocaleString('en-US')} tokens, ${r.corpusAssistantTokens.toLocaleString('en-US')} of them in assistant replies |
| training | ${r.steps} AdamW steps, batch ${o.batch} × ${o.seq} tokens (${r.trainingTokens.toLocaleString('en-US')} tokens), peak lr ${o.lr}, loss on assistant tokens only |
| loss | first step ${r.firstLoss.toFixed(3)}, last 100 steps ${r.finalLoss.toFixed(3)}, held-out ${r.heldOutLoss.toFixed(3)} |
| build time | ${Math.round(r.seconds)} s on this machine${o.threads ? ` (${o.threads} threads)` : ''} |
`;
}
