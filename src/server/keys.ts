import { dirname, resolve } from 'node:path';
import { loadOrCreateSigningKey, type SigningKey } from '../lib/certification/signing';
import { configureSigner } from '../lib/certification/signer';
import { configureSerialPrefix } from '../lib/certification/certificates';
import type { Env } from './env';

/** The certificate signing key lives beside the database (keys/), created on first start; back it up. */
export function keyDir(env: Env): string {
  return resolve(env.TONGHU_CERT_KEY_DIR ?? `${dirname(resolve(env.DATABASE_PATH))}/keys`);
}

let loaded: SigningKey | null = null;
export function setupCertificates(env: Env): SigningKey {
  loaded ??= loadOrCreateSigningKey(keyDir(env));
  configureSigner(loaded);
  configureSerialPrefix(env.TONGHU_CERT_PREFIX);
  return loaded;
}
