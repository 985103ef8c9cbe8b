import { Body, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Put } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ProductCatalog } from '../../catalog';
import { AppConfig } from '../../config';
import { httpError, validated } from '../../http';
import { InvalidPersonasError, parsePersonas, Persona, PersonaRepository, personaSchema, PersonaSource } from '../../simulator';
import { AdminActor } from '../api-keys/api-keys.repository';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { AdminController } from '../auth/admin-controller.decorator';
import { Actor, Roles } from '../auth/roles.decorator';
import { ApiZodBody } from '../openapi';

const personaBody = personaSchema.strict();
const importBody = z
  .object({
    template: z.string().min(1, 'template must name a stored persona'),
    limit: z.number().int().min(1, 'limit must be at least 1').max(1000, 'limit must be at most 1000').optional(),
  })
  .strict();

const view = (persona: Persona, source: PersonaSource) => ({ key: persona.id, source, persona });

/**
 * Simulator personas (the `personas` table): viewers read, operators create, replace, delete and
 * import from logged live sessions. Every write is audited in the same transaction.
 */
@AdminController('personas', 'Personas')
export class PersonasController {
  private readonly audit: AuditLogRepository;

  constructor(
    private readonly personas: PersonaRepository,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ConfigService) private readonly config: ConfigService<AppConfig, true>,
  ) {
    this.audit = new AuditLogRepository(db);
  }

  private get catalog(): ProductCatalog {
    return this.config.get('catalog', { infer: true });
  }

  /** The body as a persona: the schema, then every need a feature of the server's catalog (400 `invalid_request` naming the field). */
  private persona(body: unknown): Persona {
    const persona = validated(personaBody, body ?? {});
    try {
      return parsePersonas([persona], Object.keys(this.catalog.features), 'body')[0];
    } catch (err) {
      if (err instanceof InvalidPersonasError) throw httpError(HttpStatus.BAD_REQUEST, 'invalid_request', err.message);
      throw err;
    }
  }

  @Get()
  @ApiOperation({ summary: 'every stored persona, by key (a plain list: personas number in the hundreds at most)' })
  async list() {
    return { items: (await this.personas.listWithSource(this.catalog)).map(({ persona, source }) => view(persona, source)) };
  }

  @Get(':key')
  @ApiOperation({ summary: 'one persona with its source (library | derived | admin); 404 unknown_persona' })
  async get(@Param('key') key: string) {
    const { persona, source } = await this.personas.find(key, this.catalog);
    return view(persona, source);
  }

  @Post()
  @Roles('operator')
  @ApiOperation({ summary: 'create a persona (source admin); 409 persona_exists if the key is taken' })
  @ApiZodBody(personaBody)
  create(@Actor() actor: AdminActor, @Body() body: unknown) {
    const persona = this.persona(body);
    return this.db.transaction(async (tx) => {
      await this.personas.create(persona, tx);
      await this.audit.record(actor, { action: 'persona.create', targetType: 'persona', targetId: persona.id, summary: { needs: persona.needs } }, tx);
      return view(persona, 'admin');
    });
  }

  @Put(':key')
  @Roles('operator')
  @ApiOperation({ summary: 'replace a persona (the body id must be the key); it becomes source admin, so neither the seeder nor an import overwrites it' })
  @ApiZodBody(personaBody)
  replace(@Actor() actor: AdminActor, @Param('key') key: string, @Body() body: unknown) {
    const persona = this.persona(body);
    if (persona.id !== key) throw httpError(HttpStatus.BAD_REQUEST, 'invalid_request', `id: must be the key in the path (${key})`);
    return this.db.transaction(async (tx) => {
      const previous = await this.personas.replace(persona, tx);
      await this.audit.record(actor, { action: 'persona.replace', targetType: 'persona', targetId: key, summary: { previousSource: previous, needs: persona.needs } }, tx);
      return view(persona, 'admin');
    });
  }

  @Delete(':key')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'delete a persona (a library persona is seeded again at the next start-up); 404 unknown_persona' })
  delete(@Actor() actor: AdminActor, @Param('key') key: string) {
    return this.db.transaction(async (tx) => {
      const source = await this.personas.delete(key, tx);
      await this.audit.record(actor, { action: 'persona.delete', targetType: 'persona', targetId: key, summary: { source } }, tx);
      return { key, source, deleted: true };
    });
  }

  @Post('import')
  @Roles('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'derive personas from the latest logged live sessions; `template` (a stored persona) gives the traits a session does not show' })
  @ApiZodBody(importBody)
  importLive(@Actor() actor: AdminActor, @Body() body: unknown) {
    const { template, limit } = validated(importBody, body ?? {});
    return this.db.transaction(async (tx) => {
      const { persona } = await this.personas.find(template, this.catalog, tx);
      const derived = await this.personas.deriveFromLiveSessions(this.catalog, persona, limit ?? 200, tx);
      await this.audit.record(actor, { action: 'persona.import', targetType: 'persona', targetId: null, summary: { template, limit: limit ?? 200, derived: derived.length } }, tx);
      return { items: derived.map((p) => view(p, 'derived')) };
    });
  }
}
