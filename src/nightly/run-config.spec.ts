import { loadConfig } from '../config';
import { nightlyRunConfig, parseRunConfig } from './run-config';

describe('nightly run config: LoRA', () => {
  const nightly = loadConfig({ TRAINING_LORA_RANK: '8', TRAINING_LORA_TARGETS: 'q_proj,v_proj' }).nightly;

  it('takes TRAINING_LORA_* unless the run overrides it (nightly --now --lora-rank)', () => {
    expect(nightlyRunConfig(nightly).lora).toEqual({ rank: 8, targets: ['q_proj', 'v_proj'] });
    expect(nightlyRunConfig(nightly, { lora: { rank: 0, targets: [] } }).lora.rank).toBe(0);
  });

  it('a run stored before LoRA runs existed trains every weight; a bad LoRA setting is refused', () => {
    const stored = nightlyRunConfig(nightly) as unknown as Record<string, unknown>;
    const { lora: _, ...older } = stored;
    expect(parseRunConfig(older).lora.rank).toBe(0);
    expect(() => parseRunConfig({ ...stored, lora: { rank: 4, targets: [] } })).toThrow('training run config is invalid: lora');
    expect(() => parseRunConfig({ ...stored, lora: { rank: -1, targets: ['q_proj'] } })).toThrow('invalid: lora');
  });
});
