import { ProductCatalog } from '../catalog';
import { Rng } from '../engine/rng';
import { Objection, Persona } from './persona';

/** Varied wording for the simulated visitor; every choice draws from the session's seeded RNG. */
export class VisitorLanguage {
  constructor(
    private readonly persona: Persona,
    private readonly catalog: ProductCatalog,
    private readonly rng: Rng,
  ) {}

  opening(): string {
    if (this.persona.opening) return this.persona.opening;
    const need = this.featureName(this.persona.needs[0]);
    return this.styled(
      this.pick([
        `Hi, I'm looking for a CRM with ${need} for ${this.persona.company}.`,
        `Hello. Does ${this.catalog.product} have ${need}?`,
        `Hey, we're ${this.persona.company} and need ${need}. Can you help?`,
        `Quick question about ${this.catalog.product}: do you support ${need}?`,
      ]),
    );
  }

  /** Asks about one or more needs ("Do you have X and Y?"). */
  askFeatures(features: string[]): string {
    const need = this.featureNames(features);
    return this.styled(this.pick([`Do you have ${need}?`, `What about ${need}?`, `We also need ${need}. Is that included?`, `How does ${need} work with you?`]));
  }

  askPrice(): string {
    return this.styled(
      this.pick([
        `How much would this cost for ${this.people()}?`,
        'What does it cost?',
        `What's the price per seat? We'd have about ${this.persona.companySize} users.`,
        'Can you tell me about pricing?',
      ]),
    );
  }

  raiseObjection(objection: Objection): string {
    const lines: Record<Objection, string[]> = {
      price: ['That seems expensive for us.', `Our budget is tight, around $${this.persona.budgetPerSeat} a seat.`, 'Is there any way to make it cheaper?'],
      security: ['How do you handle security and data protection?', 'Where is our data hosted, and is it encrypted?', 'Do you have SOC 2?'],
      integration: ['Will it work with the tools we already use?', 'Do you integrate with Slack or HubSpot?', 'Is there an API?'],
      switching: ['Moving all our data over sounds painful.', 'We have years of deals in spreadsheets. How hard is switching?', 'How long does onboarding take?'],
      contract: ['Are we locked into a long contract?', "What if it doesn't work out, can we cancel?", 'Is it monthly or yearly?'],
      trial: ['Can we try it before paying?', 'Is there a free trial?', 'Do I need a credit card to try it?'],
    };
    return this.styled(this.pick(lines[objection]));
  }

  /** Answers a discovery question: the seats and every need not yet settled. */
  answerDiscovery(needs: string[]): string {
    const need = this.featureNames(needs);
    return this.styled(
      this.pick([
        `We're ${this.people()} and the big thing for us is ${need}.`,
        `Mostly ${need}, honestly. There are ${this.persona.companySize} of us.`,
        `I'm the ${this.persona.role} at ${this.persona.company}; we really need ${need}. We're ${this.people()}.`,
      ]),
    );
  }

  /** Asks again for what the last reply left unanswered. */
  repeat(ask: string): string {
    const lower = `${ask.charAt(0).toLowerCase()}${ask.slice(1)}`;
    return this.pick([`You didn't really answer: ${ask}`, `Sorry, but ${lower}`, `Again, ${lower}`]);
  }

  askIfBot(): string {
    return this.styled(this.pick(['Am I talking to a bot?', 'Are you a real person?', 'Is this an automated reply?', 'Are you a bot?']));
  }

  askNextStep(): string {
    return this.styled(this.pick(['OK, what would be the next step?', 'Sounds good. How do we get started?', 'What do you suggest we do next?']));
  }

  accept(): string {
    return this.styled(this.pick(["Great, let's do it. I'll start the trial.", 'Perfect, sign us up.', 'OK, I am convinced. Setting it up now.']));
  }

  /** The one decision went against the agent. */
  decline(): string {
    return this.styled(this.pick(["I'll need to think about it.", 'Let me talk to my team first.', "Thanks, we'll compare a few more options before deciding."]));
  }

  /** Leaving annoyed; says so when it has just concluded it is talking to a bot. */
  leave(soundsLikeABot: boolean): string {
    if (soundsLikeABot) return this.styled(this.pick(['This sounds like a bot reading a script. Bye.', 'You sound like an automated script, I give up.']));
    return this.styled(this.pick(['This is going nowhere, bye.', "I don't think this is for us. Thanks.", "I'll look elsewhere."]));
  }

  private people(): string {
    return this.persona.companySize === 1 ? 'just me, 1 user' : `${this.persona.companySize} people`;
  }

  private featureNames(keys: string[]): string {
    const names = keys.map((k) => this.featureName(k));
    return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];
  }

  private featureName(key: string): string {
    return this.catalog.features[key]?.name ?? key;
  }

  private pick<T>(options: T[]): T {
    return options[this.rng.int(options.length)];
  }

  /** Applies the persona's writing style. */
  private styled(text: string): string {
    let out = text;
    if (this.persona.style.formality === 'casual') out = out.replace(/^(Hello|Hi)\b/, 'hey').replace(/\.$/, '');
    if (this.persona.style.formality === 'formal' && this.rng.next() < 0.3) out = `Good day. ${out}`;
    if (this.persona.style.verbosity === 'chatty' && this.rng.next() < 0.4) out += ' We have been comparing a few options this month.';
    if (this.persona.style.typos && this.rng.next() < 0.3) out = swapTwoLetters(out, this.rng);
    return out;
  }
}

function swapTwoLetters(text: string, rng: Rng): string {
  const positions = [...text.matchAll(/[a-z]{4,}/g)].map((m) => m.index!);
  if (!positions.length) return text;
  const at = positions[rng.int(positions.length)] + 1;
  return text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
}
