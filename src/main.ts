import 'reflect-metadata';
import { INestApplication, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createApp } from './bootstrap';
import { AppConfig, loadConfig } from './config';
import { Database } from './database';
import { ShutdownDrain } from './shutdown';
import { describeStartupError } from './startup-error';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: AppConfig | undefined;
  let database: Database | undefined;
  try {
    config = loadConfig();
    database = await Database.open(config.database);
    const app = await createApp({ config, database });
    await app.listen(config.http.port, config.http.host);
    drainOnSignals(app, config.shutdownDrainSeconds);
  } catch (err) {
    await database?.close().catch(() => undefined);
    process.stderr.write(
      `closer: ${describeStartupError(err, { databaseUrl: config?.database.url, http: config?.http })}\n`,
    );
    process.exit(1);
  }
}

const ACK_FLUSH_MS = 100;

/**
 * SIGTERM or SIGINT: readiness fails and new chat connections and messages are refused
 * (`shutting_down`), the replies under way finish (for at most SHUTDOWN_DRAIN_SECONDS), then the
 * app closes and the signal is raised again, so the exit status says what ended the process. A
 * second signal meanwhile ends it at once. Replies cut off at the deadline are answered by the next
 * server (UnansweredTurnsJob).
 */
function drainOnSignals(app: INestApplication, drainSeconds: number): void {
  const logger = new Logger('Shutdown');
  const onSignal = (signal: NodeJS.Signals) => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    void (async () => {
      const drain = app.get(ShutdownDrain);
      drain.begin();
      logger.log(`${signal}: draining (at most ${drainSeconds} s)`);
      const left = await drain.settled(drainSeconds * 1000);
      if (left) logger.warn(`${left} replies still being written after ${drainSeconds} s; closing anyway (the next start answers their messages)`);
      // Nest sends a request's ack a few ticks after its handler resolves: let the last ones go out before the sockets close.
      await new Promise((resolve) => setTimeout(resolve, ACK_FLUSH_MS));
      await app.close();
      process.kill(process.pid, signal);
    })().catch((err: Error) => {
      process.stderr.write(`closer: shutdown failed: ${err.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

void main();
