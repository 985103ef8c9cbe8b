import * as ort from 'onnxruntime-node';
import { Graph } from './graph';
import { exportOnnx } from './onnx-export';
import { createSession, RuntimeError } from './runtime';
import { exp } from './tensor-ops';

describe('runtime', () => {
  const model = () => {
    const g = new Graph();
    return exportOnnx(g, { outputs: { y: exp(g.input('x', [2])) } });
  };

  it('runs on the CPU provider with a configured thread count', async () => {
    const session = await createSession(model(), { executionProvider: 'cpu', intraOpThreads: 1 });
    expect(session.inputNames).toEqual(['x']);
    await session.release();
  });

  it('asks ORT not to spin its pool threads after a run (a served model holds many sessions on few cores)', async () => {
    const create = jest.spyOn(ort.InferenceSession, 'create');
    const session = await createSession(model(), { intraOpThreads: 2 });
    expect(create.mock.calls[0][1]).toMatchObject({ intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } });
    await session.release();
    create.mockRestore();
  });

  it('asking for CUDA where its provider cannot load fails with a clear message', async () => {
    // This machine has no GPU and no CUDA provider libraries; on a GPU host the session loads.
    const attempt = createSession(model(), { executionProvider: 'cuda' }).then(
      (s) => s.release().then(() => 'loaded'),
      (e: unknown) => e,
    );
    const result = await attempt;
    if (result === 'loaded') return;
    expect(result).toBeInstanceOf(RuntimeError);
    expect((result as Error).message).toMatch(/^the CUDA execution provider could not load .*libonnxruntime_providers_cuda\.so/);
  });
});
