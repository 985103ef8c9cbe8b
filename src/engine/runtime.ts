import * as ort from 'onnxruntime-node';
import { AnyTypedArray, DType } from './dtype';
import { Shape } from './shape';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface RuntimeOptions {
  executionProvider?: ExecutionProvider;
  /** Threads for one op (ORT intra-op pool); default: ORT's choice (all cores). */
  intraOpThreads?: number;
  /**
   * ORT graph rewrites; default 'all'. Float64 graphs may need 'basic': some fused kernels
   * ORT substitutes at 'extended' and above (e.g. QuickGelu for x·sigmoid(x)) are float32-only.
   */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** Compiles an exported ONNX model into an ORT session on the requested execution provider. */
export async function createSession(model: Uint8Array, options: RuntimeOptions = {}): Promise<ort.InferenceSession> {
  const provider = options.executionProvider ?? 'cpu';
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    // Every session has its own thread pool, and a served model holds one session per step shape:
    // pool threads that spin after a run take the cores from the next shape's run and from the JS
    // thread (sampling, batching). Measured: +32–71 % chat throughput (docs/performance.md).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  try {
    return await ort.InferenceSession.create(model, sessionOptions);
  } catch (err) {
    if (provider === 'cuda') {
      throw new RuntimeError(
        `the CUDA execution provider could not load (${(err as Error).message}). Copy ORT 1.29.0's ` +
          'libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so (npm package ' +
          'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9) into onnxruntime-node/bin/napi-v6/linux/x64/, ' +
          'install CUDA 13 with cuBLAS, cuRAND and cuDNN 9, or use executionProvider "cpu".',
      );
    }
    throw err;
  }
}

const ortType: Record<DType, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
};

export function tensor(dtype: DType, data: AnyTypedArray, shape: Shape): ort.Tensor {
  return new ort.Tensor(ortType[dtype], data, [...shape]);
}
