import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SamplingOptions } from './sampling';

/** What a checkpoint's generation_config.json says about ending and sampling a reply. */
export interface GenerationConfig {
  eosTokenIds: number[];
  /** Sampling defaults; a request's own options override them. */
  sampling: Partial<SamplingOptions>;
}

const ids = (v: unknown): number[] => (typeof v === 'number' ? [v] : Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads generation_config.json (transformers' GenerationConfig fields); none when the file is absent. */
export async function readGenerationConfig(dir: string): Promise<GenerationConfig> {
  let text: string;
  try {
    text = await readFile(join(dir, 'generation_config.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { eosTokenIds: [], sampling: {} };
    throw e;
  }
  const g = JSON.parse(text) as Record<string, unknown>;
  const sampling: Partial<SamplingOptions> = {};
  // do_sample false (transformers' default) is greedy decoding, whatever temperature says.
  const temperature = g.do_sample === true ? num(g.temperature) : g.do_sample === false ? 0 : undefined;
  const values: Partial<Record<keyof SamplingOptions, number | undefined>> = { temperature, topK: num(g.top_k), topP: num(g.top_p), repetitionPenalty: num(g.repetition_penalty) };
  for (const [key, value] of Object.entries(values)) if (value !== undefined) sampling[key as keyof SamplingOptions] = value;
  return { eosTokenIds: ids(g.eos_token_id), sampling };
}
