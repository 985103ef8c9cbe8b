import { userInfo } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { AdminActor, adminRoles, apiKeyFields, ApiKeyManager, ApiKeysRepository, apiKeyView } from '../admin';
import { describeIssues } from '../http';
import { withDatabase } from './with-database';

/** The command line acts as an admin without a key (it holds the database credentials); the audit log names the OS user. */
const cliActor = (): AdminActor => ({ keyId: null, name: `cli:${userInfo().username}`, role: 'admin' });

const withKeys = <T>(action: (keys: ApiKeysRepository, manager: ApiKeyManager) => Promise<T>): Promise<T> =>
  withDatabase((db) => action(new ApiKeysRepository(db), new ApiKeyManager(db)));

export function registerAdminKey(program: Command): void {
  const keys = program.command('admin-key').description('API keys of the admin API (/api/v1/admin): create the first one here; there is no default password');
  keys
    .command('create')
    .description('create a key and print it once (only its SHA-256 is stored)')
    .requiredOption('--role <role>', `${adminRoles.join(' | ')}`)
    .requiredOption('--name <name>', 'who or what uses the key (shown in listings and the audit log)')
    .action(async (o: { role: string; name: string }) => {
      const parsed = z.object(apiKeyFields).safeParse(o);
      if (!parsed.success) throw new InvalidArgumentError(describeIssues(parsed.error).replace(/^(\w+):/, '--$1:'));
      const { name, role } = parsed.data;
      const created = await withKeys((_, manager) => manager.create(cliActor(), name, role));
      console.log(JSON.stringify({ ...created, note: 'store the key now: it is not shown again' }, null, 2));
    });
  keys
    .command('list')
    .description('keys as JSON lines: id, name, role, prefix, created, last used, revoked (never the key)')
    .action(() =>
      withKeys(async (repo) => {
        for (const k of await repo.list()) console.log(JSON.stringify(apiKeyView(k)));
      }),
    );
  keys
    .command('revoke <id>')
    .description('revoke a key: its next request is refused (401)')
    .action((id: string) =>
      withKeys(async (_, manager) => console.log(JSON.stringify(await manager.revoke(cliActor(), id)))),
    );
}
