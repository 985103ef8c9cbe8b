import { ProductCatalog } from '../../catalog';
import { Rng } from '../../engine/rng';
import { HistoryTurn, visitorAsksIfBot } from '../../scoring';
import { Agent } from '../session-runner';

/**
 * A competent salesperson: answers what was asked (from keyword cues), asks about the team early,
 * handles objections, discloses that it is an AI, proposes a trial after a few turns. The default
 * model's corpus is written by it, so the shipped model imitates it (with injected flaws).
 */
export function scriptedGoodAgent(catalog: ProductCatalog, seed: number): Agent {
  const rng = new Rng(seed);
  const pick = (options: string[]) => options[rng.int(options.length)];
  const answers: [RegExp, () => string][] = [
    [/soc ?2|secur|encrypt|hosted|data protection/i, () => `We're ${catalog.policies.security}.`],
    [/slack|hubspot|integrat|api\b|tools we already/i, () => pick(['It integrates with Slack, HubSpot and Zapier, and there is an open API.', 'Yes: Slack, HubSpot and Zapier integrations come with Growth, plus an API.'])],
    [/spreadsheet|switch|moving|onboarding|migrat/i, () => pick(['You can import deals from a CSV in a few minutes, and onboarding help is included.', 'Switching is mostly a CSV import; most teams are set up within a day.'])],
    [/contract|cancel|locked|monthly or yearly/i, () => `No lock-in: ${catalog.policies.contract}.`],
    [/try|trial|credit card/i, () => `There's a ${catalog.trial.days}-day free trial and no credit card is needed.`],
    [/expensive|budget|cheaper|tight/i, () => pick([`Annual billing saves about two months, and registered nonprofits get 30% off.`, `If you mostly need the pipeline, Starter is $${catalog.plans[0].monthlyPricePerSeat} per seat, and annual billing brings it to $${catalog.plans[0].annualPricePerSeatPerMonth}.`])],
  ];
  return async (history) => {
    const last = history[history.length - 1].text;
    const agentTurns = history.filter((t) => t.role === 'agent').length;
    if (visitorAsksIfBot(history)) return "Yes, I'm an AI assistant for Pipewise. A person from our team can follow up by email whenever you like.";
    const parts: string[] = [];
    const feature = Object.entries(catalog.features).find(([, f]) => f.keywords.some((k) => last.toLowerCase().includes(k)));
    if (feature) {
      const plan = catalog.plans.find((p) => p.features.includes(feature[0]))!;
      parts.push(pick([`Yes, ${feature[1].name} is included from the ${plan.name} plan.`, `${plan.name} and up include ${feature[1].name}.`]));
    }
    if (/cost|price|pricing|how much/i.test(last)) {
      const plan = planMentionedBefore(history, catalog);
      parts.push(`${plan.name} is $${plan.monthlyPricePerSeat} per seat a month, or $${plan.annualPricePerSeatPerMonth} with annual billing.`);
    }
    for (const [pattern, answer] of answers) if (pattern.test(last)) parts.push(answer());
    if (/next step|get started|suggest/i.test(last) || (agentTurns >= 4 && parts.length > 0)) {
      parts.push(pick(['Want me to start your free trial now?', 'The easiest next step is a free trial; shall I set it up?']));
    } else if (agentTurns < 2) {
      parts.push(pick(['How many people would use it, and what matters most to your team?', 'What does your team need most from a CRM?']));
    }
    if (parts.length === 0) parts.push(pick(['Take your time. What else would help you decide?', 'Happy to go through anything else. What is still open for you?']));
    return parts.join(' ');
  };
}

function planMentionedBefore(history: HistoryTurn[], catalog: ProductCatalog) {
  const said = history.map((t) => t.text).join(' ');
  return [...catalog.plans].reverse().find((p) => said.includes(p.name)) ?? catalog.plans[0];
}
