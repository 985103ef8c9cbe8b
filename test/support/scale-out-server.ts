/**
 * One replica for the scale-out tests: the real application on the configuration in its environment
 * (DATABASE_URL, REDIS_URL, PORT...), listening, with one difference: every reply of the served model
 * starts REPLY_DELAY_MS late, so messages sent to two replicas overlap a reply in progress.
 */
import { loadConfig } from '../../src/config';
import { ModelPolicyService, ReplyEvent, ReplyOptions } from '../../src/policy';
import { ChatMessage } from '../../src/model';
import { startTestApp } from './test-app';

const delayMs = Number(process.env.REPLY_DELAY_MS ?? 0);

class SlowedModelPolicy extends ModelPolicyService {
  override async *reply(messages: ChatMessage[], options: ReplyOptions): AsyncIterable<ReplyEvent> {
    await new Promise((r) => setTimeout(r, delayMs));
    yield* super.reply(messages, options);
  }
}

void (async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const config = loadConfig(env);
  const { app } = await startTestApp(config.database, { env, modelPolicy: SlowedModelPolicy });
  app.enableShutdownHooks();
  await app.listen(config.http.port, config.http.host);
  process.stdout.write('ready\n');
})();
