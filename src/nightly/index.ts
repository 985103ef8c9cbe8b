/** The nightly pipeline's core: training data, candidate training, the evaluation gate, GPU setup, the worker. */
export { CandidateTrainer, CandidateTrainingJob, ducaCandidateTrainer } from './candidate-trainer';
export { decideGate, GateCheck, GateDecision, GateReport, GateRules } from './gate';
export { evaluateForGate, GateEvaluationRequest } from './gate-evaluation';
export * from './gpu-setup';
export { candidateName, discardCandidate, gateSummary, NightlyPipeline, NightlyPipelineDeps, RunOutcome } from './nightly-pipeline';
export { manualRunRequest, nightlyRunConfig, NightlyRunConfig, NightlyRunOverrides, parseRunConfig, trainingLoopConfig } from './run-config';
export { buildTrainingData, dataWindow, DataWindow, TrainingData, TrainingDataRecord } from './training-data';
export { newWorkerId, TrainingWorker, TrainingWorkerOptions, WorkerResult } from './training-worker';
export { NightlyServices, openNightly } from './open-nightly';
