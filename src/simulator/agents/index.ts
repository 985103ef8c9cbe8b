import { ProductCatalog } from '../../catalog';
import { Rng } from '../../engine/rng';
import { Agent } from '../session-runner';
import { exploitAgents, pressureAgents } from './exploits';
import { flawedSalespersonAgent } from './flawed';
import { scriptedGoodAgent } from './good';
import { scriptedIdealAgent } from './ideal';
import { scriptedRoboticAgent } from './robotic';

export { exploitAgents, pressureAgents } from './exploits';
export { defaultFlawRates, FlawedAgentOptions, flawedSalespersonAgent, FlawRates } from './flawed';
export { scriptedGoodAgent } from './good';
export { scriptedIdealAgent } from './ideal';
export { scriptedRoboticAgent } from './robotic';

export type CalibrationAgentKind = 'reference' | 'exploit' | 'pressure' | 'policy';

export interface CalibrationAgent {
  name: string;
  kind: CalibrationAgentKind;
  /** A fresh agent for one session. */
  make(seed: number): Agent;
}

/** The scripted agents the simulator is calibrated with: references from worst to best, the exploit suite, the forbidden-tactic (pressure) agents. */
export function scriptedCalibrationAgents(catalog: ProductCatalog): CalibrationAgent[] {
  const references: CalibrationAgent[] = [
    { name: 'scripted-robotic', kind: 'reference', make: () => scriptedRoboticAgent(catalog) },
    { name: 'flawed-salesperson', kind: 'reference', make: (seed) => flawedSalespersonAgent(catalog, seed, { rng: new Rng(seed ^ 0x5bd1e995) }) },
    { name: 'scripted-good', kind: 'reference', make: (seed) => scriptedGoodAgent(catalog, seed) },
    { name: 'scripted-ideal', kind: 'reference', make: (seed) => scriptedIdealAgent(catalog, seed) },
  ];
  const exploits = Object.entries(exploitAgents(catalog)).map(([name, make]): CalibrationAgent => ({ name, kind: 'exploit', make }));
  const pressure = Object.entries(pressureAgents(catalog)).map(([name, make]): CalibrationAgent => ({ name, kind: 'pressure', make }));
  return [...references, ...exploits, ...pressure];
}
