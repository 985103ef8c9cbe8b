import { HistoryTurn } from '../scoring';
import { SessionOutcome, SimulatedVisitor } from './simulator';

/** Anything that writes the agent's next reply from the conversation so far. */
export type Agent = (history: HistoryTurn[]) => Promise<string>;

export interface SimulatedSession {
  turns: HistoryTurn[];
  outcome: SessionOutcome;
}

/** Plays one session: the visitor opens, then agent and visitor alternate until the visitor ends it. */
export async function runSession(agent: Agent, visitor: SimulatedVisitor): Promise<SimulatedSession> {
  const turns: HistoryTurn[] = [{ role: 'visitor', text: await visitor.opening() }];
  for (;;) {
    turns.push({ role: 'agent', text: await agent(turns) });
    const step = await visitor.respond(turns);
    if (step.kind === 'end') {
      if (step.text) turns.push({ role: 'visitor', text: step.text });
      return { turns, outcome: step.outcome };
    }
    turns.push({ role: 'visitor', text: step.text });
  }
}
