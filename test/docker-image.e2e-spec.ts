import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dockerignoreEntries, parseDockerfile, StageDirectory, stageCommand, stageEnv, stageHealthcheck } from './support/dockerfile';
import { Exited, freePort, waitForExit, waitForHttp } from './support/spawn-server';
import { dropSchema, testDatabaseUrl } from './support/test-database';

const root = join(__dirname, '..');
const DOCKERFILE = join(root, 'docker', 'Dockerfile');

/**
 * No container engine runs here, so the image is laid out by hand, following docker/Dockerfile
 * (the test reads its stages, so it follows the file): the build stage's COPY lines into one temp
 * folder, its RUN lines run there (`npm run build`, `npm prune --omit=dev`), except `npm ci`, which
 * is this checkout's node_modules (installed by `npm ci` from the same package-lock.json; no
 * network); then the runtime stage's COPY lines into another, started with its ENV and CMD, away
 * from the repository so nothing resolves into it. The runtime stage's RUN lines prepare the data
 * volume, which DATA_DIR points at a temp folder instead. About a minute: a full TypeScript build.
 */
describe('the server image (docker/Dockerfile), laid out as its COPY lines say and started with NODE_ENV=production', () => {
  const work = mkdtempSync(join(tmpdir(), 'closer-image-'));
  const image = new StageDirectory(join(work, 'image'));
  const schema = `t_image_${process.pid}`;
  const stages = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  const runtime = stages.at(-1)!;
  const pathWithNode = `${dirname(process.execPath)}:/usr/bin:/bin`;
  let env: Record<string, string>;
  let base = '';
  let server: ChildProcess | undefined;
  let exited: Promise<Exited>;

  beforeAll(async () => {
    const ignored = dockerignoreEntries(`${DOCKERFILE}.dockerignore`);
    const laidOut = new Map<string, StageDirectory>();
    for (const [i, stage] of stages.slice(0, -1).entries()) {
      const dir = new StageDirectory(join(work, stage.name ?? `stage-${i}`));
      dir.layOut(stage, {
        context: root,
        stages: laidOut,
        ignored,
        run: (command, here) => {
          if (command.startsWith('npm ci')) {
            execFileSync('cp', ['-al', join(root, 'node_modules'), here.local('node_modules')]);
            // npm rewrites this one file in place: a copy, not a link into the checkout.
            const lock = here.local('node_modules/.package-lock.json');
            rmSync(lock);
            copyFileSync(join(root, 'node_modules', '.package-lock.json'), lock);
          } else {
            execFileSync('sh', ['-c', command], { cwd: here.local('.'), env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' }, stdio: 'pipe' });
          }
        },
      });
      if (stage.name) laidOut.set(stage.name, dir);
    }
    image.layOut(runtime, { context: root, stages: laidOut, ignored, run: () => undefined });

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The image's ENV, with what `docker run -e` / compose would set for this host.
    env = {
      ...stageEnv(runtime),
      PATH: pathWithNode,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(work, 'data'),
      DATABASE_URL: testDatabaseUrl,
      DATABASE_SCHEMA: schema,
      LOG_LEVEL: 'warn',
    };
    const [command, ...args] = stageCommand(runtime);
    server = spawn(command === 'node' ? process.execPath : command, args, { cwd: image.local('.'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    exited = waitForExit(server, 280_000);
    await Promise.race([waitForHttp(`${base}/health/ready`, 120_000), exited.then((e) => Promise.reject(new Error(`the server exited: ${JSON.stringify(e)}`)))]);
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
    await dropSchema(schema);
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the compiled server with every file it reads at run time, and production dependencies only', () => {
    expect(stageEnv(runtime)).toMatchObject({ NODE_ENV: 'production' });
    for (const file of [
      'package.json',
      'dist/src/main.js',
      'dist/src/cli/index.js',
      'dist/migrations/index.js',
      'dist/src/model/rollout/rollout-worker.js',
      'dist/src/catalog/default-catalog.json',
      'dist/src/scoring/default-rules.json',
      'dist/src/simulator/persona-library.json',
      'dist/src/model/default-model/intent-test-set.json',
      'models/default/config.json',
      'models/default/model.safetensors',
      'models/default/tokenizer.json',
      'public/widget.js',
      'public/index.html',
      'public/admin/index.html',
      'node_modules/chart.js/dist/chart.umd.min.js',
      'node_modules/onnxruntime-node/package.json',
    ])
      expect({ file, there: existsSync(image.local(file)) }).toEqual({ file, there: true });
    for (const dev of ['typescript', 'jest', '@swc/core', 'supertest', 'playwright-core']) expect({ dev, there: existsSync(image.local(`node_modules/${dev}`)) }).toEqual({ dev, there: false });
  });

  it('is ready: the database migrated by the compiled migrations, the model loaded from models/default', async () => {
    const ready = (await (await fetch(`${base}/health/ready`)).json()) as { details: Record<string, unknown> };
    expect(ready.details).toMatchObject({ database: { status: 'up', kind: 'external' }, model: { status: 'up', loaded: true } });
  });

  it('serves the widget, the demo page and the /admin dashboard with its Chart.js', async () => {
    for (const [path, type, content] of [
      ['/widget.js', /javascript/, /socket/],
      ['/', /html/, /widget\.js/],
      ['/admin/', /html/, /chart\.umd\.min\.js/],
      ['/admin/js/app.js', /javascript/, /./],
      ['/admin/vendor/chart.js/chart.umd.min.js', /javascript/, /Chart/],
    ] as const) {
      const res = await fetch(`${base}${path}`);
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({ path, status: 200, type: expect.stringMatching(type) });
      expect(await res.text()).toMatch(content);
    }
  });

  it("passes the image's HEALTHCHECK, then stops on SIGTERM", async () => {
    const check = stageHealthcheck(runtime);
    expect(check).toBeDefined();
    execFileSync('sh', ['-c', check!], { env, stdio: 'pipe', timeout: 10_000 });
    server!.kill('SIGTERM');
    expect(await exited).toMatchObject({ signal: 'SIGTERM', stderr: '' });
  });
});
