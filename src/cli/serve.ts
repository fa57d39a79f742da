/**
 * `npm start` / `npm run serve`: validate the environment, open the database, apply migrations and
 * seed an empty database, and only then start the built Astro server, with br/gzip compression.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import compression from 'compression';
import { parseEnv, EnvError } from '../server/env';
import { setupCertificates } from '../server/keys';
import { openDb } from '../../db/client';
import { prepareDatabase, BootstrapError } from '../../db/seed/prepare';
import { startJobs } from '../server/jobs';
import { writeServerPid, removeServerPid } from '../lib/ops/backup';
import { bodyLimitRules, checkRequestBody } from '../server/body-limit';

async function main() {
  const env = parseEnv();
  const db = openDb(env.DATABASE_PATH);
  setupCertificates(env);
  await prepareDatabase(db, {
    demo: env.TONGHU_DEMO,
    adminPhone: env.TONGHU_ADMIN_PHONE,
    adminPassword: env.TONGHU_ADMIN_PASSWORD,
    adminName: env.TONGHU_ADMIN_NAME,
    log: (s) => console.log(`[tonghu] ${s}`),
  });
  // the same connection runs the scheduled jobs (escalations now; reminders later) every 5 minutes
  const stopJobs = env.TONGHU_JOBS ? startJobs(db, (s) => console.log(`[tonghu] ${s}`)) : () => undefined;

  const entry = resolve('dist/server/entry.mjs');
  if (!existsSync(entry)) throw new EnvError('没有找到构建产物 dist/server/entry.mjs，请先运行 npm run build (或直接 npm start)。');
  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const { handler, pageMap } = (await import(pathToFileURL(entry).href)) as { handler: http.RequestListener; pageMap?: Map<string, () => Promise<unknown>> };
  // Astro calls a page's `() => import(...)` on every request. Under tsx (npm run serve) each dynamic import is
  // resolved again through the loader hooks' worker thread, a blocking round trip that the load bench found
  // on every request; the module is the same each time, so keep the first promise.
  if (pageMap instanceof Map) {
    for (const [component, load] of pageMap) {
      let loaded: Promise<unknown> | undefined;
      pageMap.set(component, () => (loaded ??= load()));
    }
  }

  // Brotli quality 5: nearly the size of the default 11 on small HTML at a fraction of the CPU per request.
  const compress = env.TONGHU_COMPRESS
    ? compression({ threshold: 1024, brotli: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } } } as Parameters<typeof compression>[0])
    : null;
  const bodyRules = bodyLimitRules(env.TONGHU_H5P_MAX_MB);
  const server = http.createServer((req, res) => {
    // bodies are bounded before Astro reads them into memory (src/server/body-limit.ts)
    const refusal = checkRequestBody(req.method, (req.url ?? '/').split('?')[0]!, req.headers, bodyRules);
    if (refusal) {
      res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      // the unread body is not drained: the connection closes once the answer is out
      res.end(refusal.message, () => req.destroy());
      return;
    }
    // static files bypass the middleware; the sandboxed H5P frame (opaque origin) loads the player's
    // fonts in CORS mode, so the copied player (public/h5p-player) must allow any origin to read it
    if (req.url?.startsWith('/h5p-player/')) res.setHeader('Access-Control-Allow-Origin', '*');
    if (!compress) return handler(req, res);
    compress(req as never, res as never, () => handler(req, res));
  });
  server.keepAliveTimeout = 65_000;
  // `npm run restore` refuses to swap the database under a live server (src/lib/ops/backup.ts)
  writeServerPid(env.DATABASE_PATH);
  server.listen(env.PORT, env.HOST, () => {
    console.log(`[tonghu] 童护学堂已启动: http://${env.HOST}:${env.PORT}`);
  });
  const stop = () => {
    stopJobs();
    server.close(() => {
      db.$client.close();
      removeServerPid(env.DATABASE_PATH);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  if (e instanceof EnvError || e instanceof BootstrapError) {
    console.error(`[tonghu] ${e.message}`);
    process.exit(1);
  }
  console.error(e);
  process.exit(1);
});
