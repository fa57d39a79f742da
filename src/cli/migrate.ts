/** `npm run dev` runs this first: migrations and the seed are applied explicitly, never on a request. */
import { parseEnv } from '../server/env';
import { setupCertificates } from '../server/keys';
import { openDb } from '../../db/client';
import { prepareDatabase } from '../../db/seed/prepare';

const env = parseEnv();
const db = openDb(env.DATABASE_PATH);
setupCertificates(env);
prepareDatabase(db, {
  demo: env.TONGHU_DEMO,
  adminPhone: env.TONGHU_ADMIN_PHONE,
  adminPassword: env.TONGHU_ADMIN_PASSWORD,
  adminName: env.TONGHU_ADMIN_NAME,
  log: (s) => console.log(`[tonghu] ${s}`),
})
  .then(() => db.$client.close())
  .catch((e: unknown) => {
    console.error(`[tonghu] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
