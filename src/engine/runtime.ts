import * as ort from 'onnxruntime-node';
import { AnyTypedArray, DType } from './dtype';
import { Shape } from './shape';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface RuntimeOptions {
  executionProvider?: ExecutionProvider;
  /** Threads for one op (ORT intra-op pool); default: ORT's choice (all cores). */
  intraOpThreads?: number;
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
    graphOptimizationLevel: 'all',
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
  try {
    return await ort.InferenceSession.create(model, sessionOptions);
  } catch (err) {
    if (provider === 'cuda') {
      throw new RuntimeError(
        `the CUDA execution provider could not load (${(err as Error).message}). ` +
          'Install the ORT 1.29.0 CUDA provider libraries (`closer gpu-setup`) and CUDA 13 + cuDNN 9, or use executionProvider "cpu".',
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
