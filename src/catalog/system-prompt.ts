import { ProductCatalog } from './catalog';

/**
 * The system message every conversation with the agent starts with, built from the site's catalog.
 * Serving, rollouts, evaluation and the corpus a model is trained on all use this one function, so
 * a model always sees at serving time the prompt it was trained with.
 */
export function systemPrompt(catalog: ProductCatalog): string {
  return `You are the AI sales assistant of ${catalog.product}, ${catalog.tagline}. Be accurate, brief and honest.`;
}
