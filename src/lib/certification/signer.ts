import type { CertPayload, SigningKey } from './signing';
import { signPayload } from './signing';

/**
 * The process-wide certificate signer. Certificates are issued inside the transactions that complete a
 * curriculum, deep in the learning functions, so the key is configured once at start-up (src/server/db.ts,
 * src/cli/serve.ts, the seed and tests) rather than passed through every call.
 */
let key: SigningKey | null = null;

export function configureSigner(k: SigningKey): void {
  key = k;
}

export function getSigningKey(): SigningKey {
  if (!key) throw new Error('certificate signing key not configured (configureSigner)');
  return key;
}

export function sign(p: CertPayload): string {
  return signPayload(getSigningKey(), p);
}
