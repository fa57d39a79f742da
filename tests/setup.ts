import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey } from '../src/lib/certification/signing';
import { configureSigner } from '../src/lib/certification/signer';

// Every test process signs certificates with a throwaway key, as the server does with its own.
configureSigner(loadOrCreateSigningKey(mkdtempSync(join(tmpdir(), 'tonghu-keys-'))));
