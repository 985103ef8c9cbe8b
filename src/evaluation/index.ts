/** Offline evaluation: held-out simulated sessions, summaries and paired model comparisons. */
export { compare, evaluate, EvaluationComparison, evaluationJobs, EvaluationPlan, EvaluationRecord, EvaluationSummary, summarize } from './offline-evaluation';
export { BootstrapOptions, defaultBootstrap, PairedDifference, pairedDifference, percentileInterval, relativeChange } from './paired-statistics';
export { FIDELITY_METRICS, FidelityGap, fidelityGaps, FidelityMetric, SessionFigures } from './fidelity';
