import { ProductCatalog } from '../../catalog';
import { Agent } from '../session-runner';

/** Same pitch every turn, stock phrases, a bulleted list: the script visitors walk away from. */
export function scriptedRoboticAgent(catalog: ProductCatalog): Agent {
  const features = Object.values(catalog.features).map((f) => `- ${f.name}`).join('\n');
  const pitch =
    `Thank you for reaching out! I'd be happy to help. ${catalog.product} is ${catalog.tagline}. Our features include:\n${features}\n` +
    `Plans start at $${catalog.plans[0].monthlyPricePerSeat} per seat. There is a ${catalog.trial.days}-day free trial. ` +
    'Is there anything else I can help you with?';
  return async () => pitch;
}
