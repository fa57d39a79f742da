import { openDb, type Db } from '../../db/client';
import { getEnv } from './env';
import { createHash } from 'node:crypto';
import { commitRoster, checkRoster, rosterRows, type RawRosterRow } from '../lib/exchange/roster';
import { commitInfosys, checkInfosys, infosysRows, type RawInfosysRow } from '../lib/exchange/infosys';
import { DEFAULT_TABLE_LIMITS, readTable, type TableLimits } from '../lib/exchange/table';
import { ImportRejected, type ImportActor } from '../lib/exchange/common';
import { FieldError } from '../lib/errors';
import { claimJob, createCheckedJob, markJobDone, markJobFailed, type ImportJob } from '../lib/exchange/jobs';

/**
 * Runs committed imports in this process, each on a connection of its own (ADR 0015): the import's one
 * transaction spans many turns of the event loop, and the requests served in those turns must not run
 * inside it. Progress lives here, in memory, because the import holds the write lock until it commits.
 */
const progress = new Map<number, { done: number; total: number }>();

export function importProgress(jobId: number): { done: number; total: number } | null {
  return progress.get(jobId) ?? null;
}

/** A job marked running that this process is not running any more (a restart killed it): nothing was committed. */
export function isOrphaned(job: Pick<ImportJob, 'id' | 'status'>): boolean {
  return job.status === 'running' && !progress.has(job.id);
}

/**
 * Claims the checked job (once) and starts it in the background. Returns false when the job cannot be
 * started (not checked, has problems, expired, already started).
 */
export function startImport(mainDb: Db, actor: ImportActor, job: ImportJob, opts: { passwordHash?: string }): boolean {
  const rows = claimJob(mainDb, actor, job.id);
  if (!rows) return false;
  progress.set(job.id, { done: 0, total: rows.length });
  const onProgress = (done: number, total: number) => progress.set(job.id, { done, total });
  void (async () => {
    let db: Db | null = null;
    try {
      db = openDb(getEnv().DATABASE_PATH);
      if (job.kind === 'roster') {
        await commitRoster(db, actor, rows as RawRosterRow[], {
          passwordHash: opts.passwordHash!,
          jobId: job.id,
          onProgress,
          beforeCommit: (r) => markJobDone(db!, job.id, { created: r.created, updated: r.updated, unchanged: r.unchanged, regions: r.affectedRegionIds.length }),
        });
      } else {
        await commitInfosys(db, actor, rows as RawInfosysRow[], {
          jobId: job.id,
          onProgress,
          beforeCommit: (r) => markJobDone(db!, job.id, { created: r.created, unchanged: r.unchanged, duplicates: r.duplicates }),
        });
      }
    } catch (e) {
      if (e instanceof ImportRejected) markJobFailed(mainDb, job.id, { problems: e.problems });
      else {
        console.error(`[import] job ${job.id} failed`, e);
        markJobFailed(mainDb, job.id, { error: e instanceof Error ? e.message.slice(0, 300) : String(e) });
      }
    } finally {
      db?.$client.close();
      progress.delete(job.id);
    }
  })();
  return true;
}

/**
 * The uploaded file of a multipart form, refused (FieldError on `file`) when the declared body is over
 * the limit before anything is read, or when no file came.
 */
export async function readUploadedFile(request: Request, maxBytes: number): Promise<{ name: string; bytes: Buffer }> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  // the multipart envelope adds a little to the file
  if (Number.isFinite(declared) && declared > maxBytes + 64 * 1024) {
    await request.body?.cancel().catch(() => undefined);
    throw new FieldError('file', 'v.import.tooLarge', { size: (declared / (1024 * 1024)).toFixed(1), max: (maxBytes / (1024 * 1024)).toFixed(1) });
  }
  let file: FormDataEntryValue | null = null;
  try {
    file = (await request.formData()).get('file');
  } catch {
    file = null;
  }
  if (!(file instanceof File) || file.size === 0) throw new FieldError('file', 'v.import.missing');
  return { name: file.name, bytes: Buffer.from(await file.arrayBuffer()) };
}

/** The limits of an uploaded table: the defaults, with the row cap of this deployment (TONGHU_IMPORT_MAX_ROWS). */
export function importLimits(): TableLimits {
  return { ...DEFAULT_TABLE_LIMITS, maxRows: getEnv().TONGHU_IMPORT_MAX_ROWS };
}

/**
 * Step 1 of an import (roster or information-system records): reads the uploaded file, checks every row
 * (nothing written to people or work logs) and stores the dry run as a job; returns the job id. A bad
 * file throws FieldError (the page names the field).
 */
export async function dryRunUpload(request: Request, db: Db, actor: ImportActor, kind: 'roster' | 'infosys'): Promise<number> {
  const limits = importLimits();
  const file = await readUploadedFile(request, limits.maxBytes);
  const table = await readTable(file.bytes, file.name, limits);
  const { rows, check } =
    kind === 'roster'
      ? (() => {
          const rows = rosterRows(table);
          return { rows, check: checkRoster(db, actor.scopePath, rows) };
        })()
      : (() => {
          const rows = infosysRows(table);
          return { rows, check: checkInfosys(db, actor.scopePath, rows) };
        })();
  const fileSha256 = createHash('sha256').update(file.bytes).digest('hex');
  return createCheckedJob(db, actor, { kind, fileName: file.name, fileSha256, rows, problems: check.problems, summary: check.summary });
}
