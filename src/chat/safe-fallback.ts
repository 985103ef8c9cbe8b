import { ProductCatalog } from '../catalog';
import { HistoryTurn, visitorAsksIfBot } from '../scoring';

/** Closes a streamed reply whose next sentence kept breaking a blocking rule: the sentences before it stand. */
export const CLOSING_FALLBACK = 'Could you tell me a bit more about what your team needs?';

/** Sent when every attempt broke a blocking rule: compliant, honest, and moves the chat on. */
export const SAFE_FALLBACK = `I'm sorry, I can't help with that in this chat. ${CLOSING_FALLBACK}`;

/** The fallback when the visitor asked whether a person is answering: it must disclose (docs/compliance.md). */
export const aiDisclosureFallback = (catalog: ProductCatalog) =>
  `I'm an AI assistant for ${catalog.product}; a person from our team can follow up by email whenever you like. What does your team need?`;

/** The reply sent in place of one that kept breaking a blocking rule. */
export function safeFallback(history: HistoryTurn[], catalog: ProductCatalog): string {
  return visitorAsksIfBot(history) ? aiDisclosureFallback(catalog) : SAFE_FALLBACK;
}
