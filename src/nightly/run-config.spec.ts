import { loadConfig } from '../config';
import { manualRunRequest, nightlyRunConfig, parseRunConfig } from './run-config';

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

describe('a run started by hand', () => {
  const nightly = loadConfig({ TRAINING_STEPS: '70', TRAINING_MAX_ATTEMPTS: '3' }).nightly;

  it('has a unique key naming its trigger, the nightly defaults with the overrides, and a config the worker accepts', () => {
    const a = manualRunRequest(nightly, 'admin', { steps: 3, group: undefined });
    const b = manualRunRequest(nightly, 'admin');
    expect(a.runKey).toMatch(/^admin:\d{4}-\d{2}-\d{2}T[\d:.]+Z:[0-9a-f]{6}$/);
    expect(a.runKey).not.toBe(b.runKey);
    expect(a).toEqual(expect.objectContaining({ trigger: 'admin', estimator: 'hian', maxAttempts: 3 }));
    expect(parseRunConfig(a.config)).toEqual({ ...nightlyRunConfig(nightly), steps: 3 });
    expect(manualRunRequest(nightly, 'cli').runKey).toMatch(/^cli:/);
  });
});
