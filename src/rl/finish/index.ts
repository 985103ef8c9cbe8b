/** The last step of `build-model`: DuCA training of the SFT model, and the rule deciding which of the two ships. */
export { shippedModelOf } from './card';
export { FinishConfig, FinishDeps, FINISHING_TRAINING, finishWithRl, heldOutPlans } from './finish';
export { gradeQuestionSets } from './question-scores';
export { FinishReport, QuestionScores, QuestionSetScore, ShippedModel } from './report';
export { decideShipment, SHIP_RULE, ShipDecision, ShipEvidence } from './ship-rule';
