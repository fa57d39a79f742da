import type { Db } from '../../../db/client';

/** Who imports or exports, over which part of the region tree. */
export interface ImportActor {
  userId: number;
  scopePath: string;
  ip?: string | null;
}

/** A problem with one row of an import: the file's line, the column's field, a `v.import.*` message. */
export interface Problem {
  line: number;
  column: string;
  key: string;
  params: Record<string, string | number>;
}

/** How many problems a job keeps to show (the count is always exact). */
export const MAX_PROBLEMS_KEPT = 1000;

/** Gives the event loop a turn (pending requests, progress polls) between two chunks. */
const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

export type ChunkStep = <T>(items: T[], chunkSize: number, apply: (item: T) => void, onProgress?: (done: number, total: number) => void) => Promise<void>;

/**
 * Runs `body` in ONE write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error) while letting
 * it apply its items in chunks with a turn of the event loop in between: all-or-nothing like
 * db.transaction, but a long import does not freeze the server (ADR 0015). better-sqlite3's
 * db.transaction cannot await, hence the explicit statements. The connection must not be shared with
 * anything that could run in those turns.
 */
export async function inTransactionInChunks<R>(db: Db, body: (step: ChunkStep) => Promise<R>): Promise<R> {
  const client = db.$client;
  if (client.inTransaction) throw new Error('inTransactionInChunks: the connection is already in a transaction');
  client.exec('BEGIN IMMEDIATE');
  const step: ChunkStep = async (items, chunkSize, apply, onProgress) => {
    for (let i = 0; i < items.length; i += chunkSize) {
      const end = Math.min(items.length, i + chunkSize);
      for (let j = i; j < end; j++) apply(items[j]!);
      onProgress?.(end, items.length);
      await yieldTurn();
    }
    if (items.length === 0) onProgress?.(0, 0);
  };
  try {
    const out = await body(step);
    client.exec('COMMIT');
    return out;
  } catch (e) {
    if (client.inTransaction) client.exec('ROLLBACK');
    throw e;
  }
}

/**
 * An audit_log writer for bulk work: the same row writeAudit (src/lib/audit) makes, through one prepared
 * statement (30,000 rows in an import). Callers pass no secrets (writeAudit's redaction is not needed).
 */
export function bulkAuditWriter(db: Db) {
  const st = db.$client.prepare(
    `insert into audit_log (at, actor_user_id, action, entity_type, entity_id, region_path, before_json, after_json, ip) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return (e: { at: number; actorUserId: number | null; action: string; entityType: string; entityId: number | string | null; regionPath: string | null; before?: unknown; after?: unknown; ip?: string | null }) =>
    st.run(e.at, e.actorUserId, e.action, e.entityType, e.entityId == null ? null : String(e.entityId), e.regionPath, e.before == null ? null : JSON.stringify(e.before), e.after == null ? null : JSON.stringify(e.after), e.ip ?? null);
}

/** The commit found problems when it checked the rows again under the write lock: nothing was written. */
export class ImportRejected extends Error {
  constructor(public readonly problems: Problem[]) {
    super(`import rejected: ${problems.length} problems`);
    this.name = 'ImportRejected';
  }
}
