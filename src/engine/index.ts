/** The training engine: ONNX graphs built in TypeScript, autodiff, optimizers, ORT runtime. */
export { gradients } from './autodiff';
export { AnyTypedArray, DType, FloatDType } from './dtype';
export { GraphBuildError } from './errors';
export { Graph, Initializer, Value } from './graph';
export { init } from './init';
export { exportOnnx, OPSET } from './onnx-export';
export { opDefinitions, OpType } from './ops';
export { AdamWConfig, OptimizerConfig, SgdConfig } from './optimizers';
export { Rng } from './rng';
export { createSession, ExecutionProvider, RuntimeError, RuntimeOptions, tensor } from './runtime';
export { NamedTensor, readSafetensors, readSafetensorsHeader, SafetensorsHeader, TensorEntry, writeSafetensors } from './safetensors';
export { Shape } from './shape';
export * as ops from './tensor-ops';
export { Feeds, Trainer, TrainerOptions } from './trainer';
export { buildTrainingProgram, TrainingProgram, TrainingProgramOptions } from './training-program';
