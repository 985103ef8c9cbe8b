import { Logger } from 'typeorm';

/**
 * TypeORM's logger slot, used to count the statements the server sends (`closer_db_statements_total`
 * on /metrics: statements per turn under load). It logs nothing, as `logging: false` did: query
 * failures reach the caller as errors.
 */
export class StatementCounter implements Logger {
  statements = 0;

  logQuery(): void {
    this.statements++;
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
