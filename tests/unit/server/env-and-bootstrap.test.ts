import { describe, it, expect, afterEach } from 'vitest';
import { parseEnv, EnvError } from '../../../src/server/env';
import { createTestDb } from '../../factories/db';
import { prepareDatabase, BootstrapError } from '../../../db/seed/prepare';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../../db/seed/demo';
import { signIn } from '../../../src/lib/auth/sign-in';
import { users } from '../../../db/schema/index';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function db() {
  const t = createTestDb();
  cleanups.push(t.cleanup);
  return t.db;
}

describe('environment', () => {
  it('has working defaults', () => {
    const e = parseEnv({});
    expect(e).toMatchObject({ HOST: 'localhost', PORT: 4321, DATABASE_PATH: 'data/tonghu.db', TONGHU_DEMO: true });
  });
  it('names the bad variable', () => {
    expect(() => parseEnv({ PORT: 'abc' })).toThrow(EnvError);
    expect(() => parseEnv({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => parseEnv({ TONGHU_DEMO: 'maybe' })).toThrow(/TONGHU_DEMO/);
    expect(() => parseEnv({ TONGHU_PUBLIC_ORIGIN: 'not a url' })).toThrow(/TONGHU_PUBLIC_ORIGIN/);
    expect(parseEnv({ TONGHU_PUBLIC_ORIGIN: 'https://tonghu.example.cn/x' }).TONGHU_PUBLIC_ORIGIN).toBe('https://tonghu.example.cn');
  });
});

describe('first start', () => {
  it('demo: seeds the province, the demo accounts and a staffed county with vacancies', async () => {
    const d = db();
    await prepareDatabase(d, { demo: true });
    for (const phone of Object.values(DEMO_ACCOUNTS)) {
      const r = await signIn(d, { phone, password: DEMO_PASSWORD, ip: '127.0.0.1', now: Date.now() });
      expect(r.ok, phone).toBe(true);
    }
    const vacant = d.$client
      .prepare(`select count(*) n from regions r where level = 5 and not exists (select 1 from role_assignments a where a.region_id = r.id and a.role = 'director')`)
      .get() as { n: number };
    expect(vacant.n).toBeGreaterThan(0);
    expect(vacant.n).toBeLessThan(30);
    // running again on a seeded database changes nothing
    const before = d.select().from(users).all().length;
    await prepareDatabase(d, { demo: true });
    expect(d.select().from(users).all().length).toBe(before);
    // the whole demo seed (a year of learning and field work) runs here: give it room on a busy machine
  }, 180_000);

  it('production: no demo data, refuses to start without an initial administrator', async () => {
    const d = db();
    await expect(prepareDatabase(d, { demo: false })).rejects.toBeInstanceOf(BootstrapError);
    await expect(prepareDatabase(d, { demo: false, adminPhone: '13512345678', adminPassword: 'short' })).rejects.toThrow(/TONGHU_ADMIN_PASSWORD/);
    await prepareDatabase(d, { demo: false, adminPhone: '13512345678', adminPassword: 'A-strong-passw0rd' });
    const all = d.select().from(users).all();
    expect(all.map((u) => u.phone)).toEqual(['13512345678']);
    expect((await signIn(d, { phone: DEMO_ACCOUNTS.admin, password: DEMO_PASSWORD, ip: '1', now: Date.now() })).ok).toBe(false);
    expect((await signIn(d, { phone: '13512345678', password: 'A-strong-passw0rd', ip: '1', now: Date.now() })).ok).toBe(true);
    // the admin exists now: later starts need no variables
    await prepareDatabase(d, { demo: false });
  });
});
