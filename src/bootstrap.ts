import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { ServerOptions } from 'socket.io';
import { Logger } from 'nestjs-pino';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setupOpenApi } from './admin';
import { AppModule, AppModuleOptions } from './app.module';
import { EventLimiter } from './chat';
import { SocketIoRedis } from './cluster';
import { AppConfig } from './config';
import { CONVERSIONS_PATH } from './conversions';
import { answerParserErrors, bodyParsers, HttpErrorFilter, securityHeaders, socketServerOptions, widgetAssetHeaders } from './http';
import { SiteAccess } from './sites';

/** The repository root: where package.json is, whether running from src/ or dist/src/. */
function packageRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) || dirname(dir) === dir ? dir : packageRoot(dirname(dir));
}

/** The widget (`/widget.js`), the demo product page (`/`) and the admin dashboard (`/admin/`). */
export const PUBLIC_DIR = join(packageRoot(__dirname), 'public');

/** Chart.js's browser build, served to the dashboard from the installed package (no CDN). */
const CHART_JS_DIR = dirname(require.resolve('chart.js'));

/** socket.io on the configured path (Rasa clients expect `/socket.io/` unless told otherwise), every namespace on the Redis adapter when there is one. */
class PathIoAdapter extends IoAdapter {
  constructor(
    app: INestApplication,
    private readonly path: string,
    private readonly serverOptions: Partial<ServerOptions>,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions) {
    return super.createIOServer(port, { ...options, ...this.serverOptions, path: this.path });
  }
}

/** What every instance of the app needs on top of its modules (server and tests alike). */
export function configureApp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  const config = app.get<ConfigService<AppConfig, true>>(ConfigService);
  const limits = config.get('limits', { infer: true });
  // req.ip (the HTTP rate limits' key) is the client's, not the load balancer's, behind that many proxies.
  if (limits.trustProxyHops > 0) (app as NestExpressApplication).set('trust proxy', limits.trustProxyHops);
  // Security headers (helmet, CSP) on everything Express answers; the widget's script may be loaded by customers' pages.
  app.use(securityHeaders());
  answerParserErrors(app.getHttpServer());
  app.use('/widget.js', widgetAssetHeaders(app.get(SiteAccess)));
  // Registered before any route (the app is created with bodyParser: false), errors answered as { code, message }.
  app.use(`/${CONVERSIONS_PATH}`, bodyParsers.webhook);
  app.use(bodyParsers.json);
  app.useGlobalFilters(new HttpErrorFilter());
  (app as NestExpressApplication).useStaticAssets(PUBLIC_DIR);
  (app as NestExpressApplication).useStaticAssets(CHART_JS_DIR, { prefix: '/admin/vendor/chart.js/', index: false });
  const socketIoPath = config.get('http.socketIoPath', { infer: true });
  // The dashboard loads socket.io's client from socket.io itself, under the configured path.
  app.getHttpAdapter().get('/admin/config.json', (_req: unknown, res: { json: (body: unknown) => void }) => res.json({ socketIoPath }));
  setupOpenApi(app);
  const limiter = app.get(EventLimiter);
  const adapter = app.get(SocketIoRedis).adapter();
  const serverOptions = socketServerOptions(app.get(SiteAccess), (req) => limiter.admitConnection(req), limits.socket.maxMessageBytes);
  app.useWebSocketAdapter(new PathIoAdapter(app, socketIoPath, { ...serverOptions, ...(adapter && { adapter }) }));
}

/** Builds the Nest application the same way for the server and for the e2e tests. */
export async function createApp(options: AppModuleOptions): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(options), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  configureApp(app);
  // No enableShutdownHooks(): main.ts handles SIGTERM/SIGINT itself, draining before it closes the app.
  return app;
}
