import { Command, InvalidArgumentError } from 'commander';
import { RuleBasedSimulator, VisitorKind } from '../simulator';
import { driveVisitors } from '../simulator/live-driver';
import { addCatalogOptions, catalogAndPersonas, CatalogFlags } from './catalog-options';
import { nonNegativeInt, positiveInt, visitorKindOption } from './options';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

type DriveFlags = CatalogFlags & { visitors: number; site: string; visitor: VisitorKind; url: string; concurrency: number; seed: number; allowRemote?: boolean; timeout: number };

export function registerDrive(program: Command): void {
  addCatalogOptions(program.command('drive'))
    .description("play simulated visitors through a running server's /chat socket.io protocol (the widget's), clicking the call to action when one buys; prints a JSON summary")
    .requiredOption('--visitors <n>', 'visitors to play (at most 10000)', positiveInt)
    .requiredOption('--site <key>', 'the site key the visitors chat on')
    .option('--visitor <kind>', 'the simulated visitor: strict or persuadable', visitorKindOption, 'strict')
    .option('--url <url>', 'the server', `http://127.0.0.1:${process.env.PORT ?? 3000}`)
    .option('--concurrency <n>', 'visitors chatting at once', positiveInt, 4)
    .option('--seed <n>', 'seed of the visitors', nonNegativeInt, 1)
    .option('--timeout <ms>', 'longest wait for one reply', positiveInt, 60_000)
    .option('--allow-remote', 'drive a server that is not on this machine')
    .action(async (f: DriveFlags) => {
      if (f.visitors > 10_000) throw new InvalidArgumentError('--visitors: at most 10000');
      const url = new URL(f.url);
      if (!LOOPBACK.has(url.hostname) && !f.allowRemote) throw new InvalidArgumentError(`--url ${f.url} is not this machine; pass --allow-remote to drive it`);
      const { catalog, personas } = catalogAndPersonas(f);
      const { summary } = await driveVisitors({
        url: url.origin,
        siteKey: f.site,
        simulator: new RuleBasedSimulator(personas, catalog, f.visitor),
        personas,
        visitors: f.visitors,
        concurrency: f.concurrency,
        seed: f.seed,
        replyTimeoutMs: f.timeout,
        onVisitor: (v) => process.stderr.write(`${v.personaId} ${v.sessionId ?? '-'}: ${v.error ?? `${v.outcome?.end} after ${v.agentTurns} replies`}\n`),
      });
      console.log(JSON.stringify({ site: f.site, visitor: f.visitor, seed: f.seed, ...summary }, null, 2));
    });
}
