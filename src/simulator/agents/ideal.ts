import { Plan, ProductCatalog } from '../../catalog';
import { Rng } from '../../engine/rng';
import { HistoryTurn, Objection, statedNeeds, statedSeats, visitorAsks } from '../../scoring';
import { cheapestPlanServing } from '../deal';
import { Agent } from '../session-runner';

/**
 * The best salesperson we can script: it answers everything the last message asked, asks about
 * the team once, recommends the plan that fits the needs and seats it has heard with the total
 * for the team and the annual option, handles objections with specifics, never uses the same
 * sentence twice, says it is an AI when asked, and offers the trial once an objection is settled
 * or the visitor asks what is next. It shows the headroom above the scripted good agent.
 */
export function scriptedIdealAgent(catalog: ProductCatalog, seed: number): Agent {
  const rng = new Rng(seed);
  const trial = `${catalog.trial.days}-day`;
  const objectionAnswers: Record<Objection, string[]> = {
    price: [
      'Paying annually brings the price down by about two months a year.',
      'Annual billing is the cheaper way to run it: roughly two months free each year.',
      'Registered nonprofits get 30% off, and annual billing saves about two months on top.',
    ],
    security: [`Your data stays safe: ${catalog.policies.security}.`, `On security, we are ${catalog.policies.security}.`],
    integration: ['It connects to Slack, HubSpot and Zapier out of the box, and there is an open API for anything else.', 'Slack, HubSpot and Zapier connect in a few clicks, and the open API covers the rest.'],
    switching: ['Moving over is a CSV import of your deals, and most teams are running within a day.', 'Bring your spreadsheets as a CSV import; we map the columns with you during onboarding.'],
    contract: [`There is no lock-in: ${catalog.policies.contract}.`, `You stay flexible, since ${catalog.policies.contract}.`],
    trial: [`You can try everything in a ${trial} trial, and no credit card is needed.`, `The ${trial} trial is free and needs no credit card.`],
  };
  const nextSteps = ['Want me to start your free trial now?', 'Shall I set up your free trial so the team can try it this week?', 'Would you like me to start a free trial for your team today?'];

  return async (history: HistoryTurn[]) => {
    const said = new Set(history.filter((t) => t.role === 'agent').flatMap((t) => t.text.split(/(?<=[.!?])\s+/)));
    const parts: string[] = [];
    // Varied wording: never a sentence already said, when there is another way to say it.
    const say = (options: string[]) => {
      const fresh = options.filter((o) => !said.has(o));
      const choice = (fresh.length ? fresh : options)[rng.int((fresh.length ? fresh : options).length)];
      said.add(choice);
      parts.push(choice);
    };
    const agentTurns = history.filter((t) => t.role === 'agent').length;
    const asks = visitorAsks(history[history.length - 1].text, catalog);
    const needs = statedNeeds(history, catalog);
    const seats = statedSeats(history);
    const plan = cheapestPlanServing(catalog, needs, seats ?? 1);

    if (asks.some((a) => a.kind === 'bot')) say([`Yes, I'm an AI assistant for ${catalog.product}; a person from our team can follow up by email whenever you like.`]);
    for (const ask of asks) {
      if (ask.kind !== 'feature') continue;
      const name = catalog.features[ask.feature].name;
      say([`Yes, ${name} is part of ${plan.name}.`, `${plan.name} includes ${name}.`, `You get ${name} on the ${plan.name} plan.`]);
    }
    const quoted = history.some((t) => t.role === 'agent' && t.text.includes(`$${plan.annualPricePerSeatPerMonth}`));
    if (asks.some((a) => a.kind === 'price') || (seats !== undefined && !quoted)) say([recommendation(catalog, plan, needs, seats)]);
    for (const ask of asks) if (ask.kind === 'objection') say(objectionAnswers[ask.objection]);
    if (agentTurns === 0 && seats === undefined) say(['How many people would use it, and what else matters most to your team?']);
    if (asks.some((a) => a.kind === 'next-step' || a.kind === 'objection')) say(nextSteps);
    if (!parts.length) say(['What else would you like to know before deciding?', 'Is there anything about your setup I should know?']);
    return parts.join(' ');
  };
}

/** The plan that fits, why, both prices, and the total for the team when the seats are known. */
function recommendation(catalog: ProductCatalog, plan: Plan, needs: string[], seats: number | undefined): string {
  const covers = needs.length ? ` covers ${needs.map((n) => catalog.features[n].name).join(' and ')}` : ' fits';
  const team = seats && seats > 1 ? `, so $${(plan.annualPricePerSeatPerMonth * seats).toLocaleString('en-US')} a month for your ${seats} people` : '';
  return `I'd recommend ${plan.name}: it${covers} at $${plan.monthlyPricePerSeat} per seat a month, or $${plan.annualPricePerSeatPerMonth} billed annually${team}.`;
}
