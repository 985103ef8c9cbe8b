export {
  CalibrationAgent,
  CalibrationAgentKind,
  defaultFlawRates,
  exploitAgents,
  FlawedAgentOptions,
  flawedSalespersonAgent,
  FlawRates,
  scriptedCalibrationAgents,
  scriptedGoodAgent,
  scriptedIdealAgent,
  scriptedRoboticAgent,
} from './agents';
export { calibrate, CalibrationRow, rewardScales, RewardScales, runCalibrationCommand, twoProportionTest, UnknownAgentError } from './calibration';
export { Billing, Deal, dealFor, planFor } from './deal';
export { derivedPersonaKey, derivePersonas, LoggedSessionSummary } from './derived-personas';
export { loadHeldOutPersonas, loadPersonaLibrary } from './persona-library-loader';
export { LlmSimulator, LlmSimulatorError } from './llm-simulator';
export { findPersona, InvalidPersonasError, Objection, parsePersonas, Persona, personaSchema, UnknownPersonaError } from './persona';
export { PersonaExistsError, PersonaRepository, PersonaSource } from './persona.repository';
export { RuleBasedSimulator } from './rule-based-simulator';
export { RuleBasedVisitor, VisitorState } from './rule-based-visitor';
export { Agent, runSession, SimulatedSession } from './session-runner';
export { FLAGGED_TURN_SCORES, runSimulation, ScoredSession, SimulationSummary, summarize, wilsonInterval } from './simulation';
export { SessionEnd, SessionOutcome, SimulatedVisitor, UserSimulator, VisitorStep } from './simulator';
export { SimulatorModule } from './simulator.module';
export { isPersuasionTacticRule, isVisitorKind, PersuasionTactic, persuadableVisitorModel, visitorModel, VisitorModel, VisitorKind, VISITOR_KINDS } from './visitor-model';
