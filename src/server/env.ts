import { z } from 'zod';

/**
 * Every environment variable the app reads, validated once at start-up with a message that says
 * which variable is wrong and what is allowed. Documented in README.md § Configuration.
 */
const bool = (def: boolean) =>
  z
    .enum(['0', '1', 'true', 'false', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? def : ['1', 'true', 'yes'].includes(v)));

const schema = z
  .object({
    HOST: z.string().min(1).default('localhost'),
    PORT: z.coerce.number().int().min(1).max(65535).default(4321),
    DATABASE_PATH: z.string().min(1).default('data/tonghu.db'),
    TONGHU_DEMO: bool(true),
    TONGHU_PUBLIC_ORIGIN: z
      .string()
      .url()
      .transform((u) => new URL(u).origin)
      .optional(),
    TONGHU_TRUST_PROXY: bool(false),
    TONGHU_SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    TONGHU_ADMIN_PHONE: z
      .string()
      .regex(/^1[3-9]\d{9}$/)
      .optional(),
    TONGHU_ADMIN_PASSWORD: z.string().min(12).optional(),
    TONGHU_ADMIN_NAME: z.string().min(1).max(30).default('系统管理员'),
    TONGHU_LOGIN_MAX_FAILURES: z.coerce.number().int().min(3).max(100).default(5),
    TONGHU_LOGIN_LOCK_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    TONGHU_COMPRESS: bool(true),
    /** `0`: the server runs no scheduled jobs (a test server whose database writes are counted per request) */
    TONGHU_JOBS: bool(true),
    /** where the certificate signing key is kept (default: keys/ beside the database) */
    TONGHU_CERT_KEY_DIR: z.string().min(1).optional(),
    /** certificate serial prefix, e.g. 鄂童护 → 鄂童护〔2026〕000123号 */
    TONGHU_CERT_PREFIX: z.string().min(1).max(10).default('鄂童护'),
    /** largest .h5p a trainer may upload, in MB */
    TONGHU_H5P_MAX_MB: z.coerce.number().int().min(1).max(200).default(20),
    /** most data rows one roster or information-system import takes (ADR 0020: a province's roster) */
    TONGHU_IMPORT_MAX_ROWS: z.coerce.number().int().min(100).max(200_000).default(50_000),
  });

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const r = schema.safeParse(source);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new EnvError(`环境变量配置有误 (invalid environment configuration):\n${lines.join('\n')}\n参见 README.md 的“配置”一节。`);
  }
  return r.data;
}

let cached: Env | null = null;
export function getEnv(): Env {
  cached ??= parseEnv();
  return cached;
}

/** Origin of the request as the browser sees it, for secure-cookie decisions. */
export function isSecureOrigin(env: Env, requestUrl: URL): boolean {
  if (env.TONGHU_PUBLIC_ORIGIN) return env.TONGHU_PUBLIC_ORIGIN.startsWith('https:');
  return requestUrl.protocol === 'https:';
}
