import { Body, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { HandoffRepository } from '../../handoff';
import { httpError, validated } from '../../http';
import { TextInputError, validateTurnText } from '../../scoring';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor } from '../auth/roles.decorator';
import { ApiZodBody, ApiZodQuery } from '../openapi';
import { OperatorHandoffs } from './operator-handoffs';

const listQuery = z.object({ state: z.enum(['waiting', 'active'], 'state must be waiting or active').optional() }).strict();
const takeoverBody = z
  .object({
    displayName: z
      .string()
      .trim()
      .regex(/^[\p{L}\p{N}][\p{L}\p{N} .'’-]{0,59}$/u, "displayName must be 1-60 letters, digits, spaces or . ' -, starting with a letter or digit")
      .optional(),
  })
  .strict();
const messageBody = z.object({ text: z.string('text must be a string') }).strict();

/** Open handoffs: the sessions waiting for a person and those a person holds. */
@AdminController('handoffs', 'handoffs')
export class HandoffsController {
  constructor(private readonly handoffs: HandoffRepository) {}

  @Get()
  @ApiOperation({ summary: 'open handoffs of live sessions, oldest request first: waiting (a rule asked for a person) and active (a person holds the session); a plain list (one per live session at most)' })
  @ApiZodQuery(listQuery)
  async list(@Query() query: unknown) {
    const { state } = validated(listQuery, query);
    return { items: await this.handoffs.listOpen(state) };
  }
}

/** Live takeover of one session: take it over, write to the visitor, hand it back (operators; the holder is the key that took it). */
@AdminController('sessions', 'handoffs', 'operator')
export class SessionHandoffController {
  constructor(private readonly operator: OperatorHandoffs) {}

  @Post(':id/takeover')
  @HttpCode(200)
  @ApiOperation({ summary: 'take the session over: the agent stops replying (a reply streaming now is stopped, nothing of it stored); the visitor is told the person joined under displayName (default: the key name). 409 already_taken, session_closed' })
  @ApiZodBody(takeoverBody)
  takeOver(@Actor() actor: AdminActor, @Param('id') id: string, @Body() body: unknown) {
    const { displayName } = validated(takeoverBody, body ?? {});
    return this.operator.takeOver(actor, id, displayName);
  }

  @Post(':id/messages')
  @ApiOperation({ summary: 'write to the visitor as the person holding the session (text checked like a visitor message); 201 with the stored turn. 409 not_taken, session_closed' })
  @ApiZodBody(messageBody)
  send(@Actor() actor: AdminActor, @Param('id') id: string, @Body() body: unknown) {
    const { text } = validated(messageBody, body ?? {});
    try {
      validateTurnText(text);
    } catch (err) {
      if (err instanceof TextInputError) throw httpError(HttpStatus.BAD_REQUEST, err.code, err.message);
      throw err;
    }
    return this.operator.send(actor, id, text);
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'hand the session back to the agent (the holder, or an admin key); the agent answers the next visitor message, with the person’s messages in its history. 409 not_taken, session_closed' })
  release(@Actor() actor: AdminActor, @Param('id') id: string) {
    return this.operator.release(actor, id);
  }
}
