import { redactPii } from './pii';

/**
 * What is stored of a visitor's message (STORE_RAW_TEXT). Redacted by default, before it is
 * written: the database, its backups and every reader of `turns` (the model's prompt, the admin
 * API, exports) then never hold the visitor's e-mail, phone, card or IBAN. Raw only when
 * configured, for an operator who must follow up on contact details given in the chat. Training
 * redacts again as it reads (derivePersonas), so it holds none either way.
 */
export class VisitorTextPolicy {
  constructor(readonly storeRaw: boolean) {}

  forStorage(text: string): string {
    return this.storeRaw ? text : redactPii(text);
  }
}
