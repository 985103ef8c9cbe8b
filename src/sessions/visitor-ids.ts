import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { AppConfig } from '../config';

/** A site key, as the widget sends it and as visitor identifiers are scoped by. */
export const siteKeySchema = z.string('siteKey must be a string').regex(/^[A-Za-z0-9_-]{1,64}$/, 'siteKey must be 1-64 letters, digits, _ or -');

/** A site's own identifier of a visitor (a customer number, a CRM id, an e-mail address), as the widget passes it. */
export const visitorIdSchema = z
  .string('visitorId must be a string')
  .regex(/^[A-Za-z0-9_.:@+=/-]{1,128}$/, 'visitorId must be 1-128 letters, digits or _ . : @ + = / -');

/** A visitor identifier was given but the server keeps none (no VISITOR_ID_SECRET). */
export class VisitorIdsDisabledError extends Error {
  constructor() {
    super('this server keeps no visitor identifiers (VISITOR_ID_SECRET is not set)');
    this.name = 'VisitorIdsDisabledError';
  }
}

/**
 * Visitor identifiers are stored only as HMAC-SHA-256(VISITOR_ID_SECRET, site key + identifier):
 * the same visitor of the same site always maps to the same hash, so an erasure request naming the
 * identifier finds their sessions, while the database alone neither shows the identifier nor lets
 * anyone test guesses (identifiers are often guessable: a plain hash could be reversed by trying
 * customer numbers or e-mail addresses). The site key is part of the input, so one person known to
 * two sites is not linked across them.
 */
@Injectable()
export class VisitorIds {
  private readonly secret: string | undefined;

  constructor(@Inject(ConfigService) config: ConfigService<AppConfig, true>) {
    this.secret = config.get('visitorIdSecret', { infer: true });
  }

  hash(siteKey: string, visitorId: string): string {
    if (!this.secret) throw new VisitorIdsDisabledError();
    // Site keys hold no line break, so the input names one (site, identifier) pair.
    return createHmac('sha256', this.secret).update(`${siteKey}\n${visitorId}`).digest('hex');
  }
}
