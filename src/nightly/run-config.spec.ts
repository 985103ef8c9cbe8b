import { loadConfig } from '../config';
import { manualRunRequest, nightlyRunConfig, parseRunConfig, trainingLoopConfig } from './run-config';

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

describe('nightly run config: HIAN weights α/β', () => {
  const nightly = loadConfig({ TRAINING_HIAN_ALPHA: '0.5', TRAINING_HIAN_BETA: '2' }).nightly;

  it('are stored on the run and reach the training loop the candidate trainer runs', () => {
    const stored = manualRunRequest(nightly, 'admin').config;
    expect(stored.hian).toEqual({ alpha: 0.5, beta: 2 });
    const loop = trainingLoopConfig(parseRunConfig(stored), ['startup-founder']);
    expect(loop.advantage).toEqual(expect.objectContaining({ alpha: 0.5, beta: 2, epsilon: 1e-6 }));
    expect(loop).toEqual(expect.objectContaining({ estimator: 'hian', personas: ['startup-founder'], steps: nightly.steps }));
  });

  it('a run stored before they were settings fuses with 1 and 1; weights out of range or both 0 are refused', () => {
    const { hian: _, ...older } = nightlyRunConfig(nightly) as unknown as Record<string, unknown>;
    expect(parseRunConfig(older).hian).toEqual({ alpha: 1, beta: 1 });
    const stored = nightlyRunConfig(nightly) as unknown as Record<string, unknown>;
    expect(() => parseRunConfig({ ...stored, hian: { alpha: 0, beta: 0 } })).toThrow('training run config is invalid: hian');
    expect(() => parseRunConfig({ ...stored, hian: { alpha: -1, beta: 1 } })).toThrow('invalid: hian');
    expect(() => parseRunConfig({ ...stored, hian: { alpha: '1', beta: 1 } })).toThrow('invalid: hian');
  });
});

describe('nightly run config: visitors', () => {
  it('the training visitor and the gate visitors come from TRAINING_VISITOR and GATE_VISITORS and are stored on the run', () => {
    const nightly = loadConfig({ TRAINING_VISITOR: 'persuadable', GATE_VISITORS: 'strict, persuadable' }).nightly;
    const stored = manualRunRequest(nightly, 'admin').config;
    expect(stored).toEqual(expect.objectContaining({ visitor: 'persuadable', gateVisitors: ['strict', 'persuadable'] }));
    expect(parseRunConfig(stored).gateVisitors).toEqual(['strict', 'persuadable']);
  });

  it('default to strict everywhere, also for runs stored before there was a choice; a gate without strict is refused', () => {
    const nightly = loadConfig({}).nightly;
    expect(nightly.visitor).toBe('strict');
    expect(nightly.gateVisitors).toEqual(['strict']);
    const { visitor: _v, gateVisitors: _g, ...older } = manualRunRequest(nightly, 'cli').config;
    expect(parseRunConfig(older)).toEqual(expect.objectContaining({ visitor: 'strict', gateVisitors: ['strict'] }));
    expect(() => parseRunConfig({ ...older, gateVisitors: ['persuadable'] })).toThrow('invalid: gateVisitors');
    expect(() => parseRunConfig({ ...older, visitor: 'gullible' })).toThrow('invalid: visitor');
    expect(() => loadConfig({ GATE_VISITORS: 'persuadable' })).toThrow('must include strict');
    expect(() => loadConfig({ TRAINING_VISITOR: 'gullible' })).toThrow('TRAINING_VISITOR');
  });
});
