/**
 * The on-device outbox (ADR 0016): lesson completions, work-log entries and practice-quiz answers made
 * without a network wait in IndexedDB and are sent to POST /api/sync in small batches when the network
 * returns. Each item keeps the id it got when it was recorded; the server de-duplicates by that id, so a
 * batch cut off half-way is simply sent again. Items the server rejected stay, with the reason, until the
 * person fixes and resends them or deletes them. Items belong to the person who recorded them and are
 * only ever sent with that person's session.
 */

export type OutboxKind = 'lesson' | 'entry' | 'quiz';

export interface OutboxRecord {
  id: string;
  userId: number;
  kind: OutboxKind;
  /** what the server receives besides id and kind */
  payload: Record<string, unknown>;
  /** a short line for the list (lesson title, entry type and day) */
  label: string;
  /** the page it was recorded on (to edit a rejected entry) */
  href: string;
  createdAt: number;
  status: 'pending' | 'rejected';
  field?: string;
  reason?: string;
  /** a flagged visit: the report form to open right away */
  reportLink?: string;
}

const DB_NAME = 'tonghu-offline';
const STORE = 'outbox';
export const BATCH_SIZE = 5;
const CHANGED = 'tonghu:outbox';

let dbPromise: Promise<IDBDatabase> | null = null;

function openDb(): Promise<IDBDatabase> {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'id' });
    };
    req.onsuccess = () => {
      const db = req.result;
      // another tab deleting the database (sign-out) must not be blocked by this connection
      db.onversionchange = () => {
        db.close();
        dbPromise = null;
      };
      resolve(db);
    };
    req.onerror = () => {
      dbPromise = null;
      reject(req.error);
    };
  });
  return dbPromise;
}

function tx<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  return openDb().then(
    (db) =>
      new Promise<T | undefined>((resolve, reject) => {
        const t = db.transaction(STORE, mode);
        const req = run(t.objectStore(STORE));
        t.oncomplete = () => resolve(req ? req.result : undefined);
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error);
      }),
  );
}

const channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('tonghu-outbox') : null;

function changed(): void {
  window.dispatchEvent(new CustomEvent(CHANGED));
  channel?.postMessage('changed');
}
channel?.addEventListener('message', () => window.dispatchEvent(new CustomEvent(CHANGED)));

export function onOutboxChange(fn: () => void): void {
  window.addEventListener(CHANGED, fn);
}

export function newId(prefix: string): string {
  const uuid = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${prefix}-${uuid}`.slice(0, 64);
}

export async function listItems(): Promise<OutboxRecord[]> {
  const all = (await tx<OutboxRecord[]>('readonly', (s) => s.getAll())) ?? [];
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

export async function getItem(id: string): Promise<OutboxRecord | undefined> {
  return tx<OutboxRecord>('readonly', (s) => s.get(id));
}

export async function putItem(item: OutboxRecord): Promise<void> {
  await tx('readwrite', (s) => s.put(item));
  changed();
}

export async function removeItem(id: string): Promise<void> {
  await tx('readwrite', (s) => s.delete(id));
  changed();
}

export async function enqueue(item: Omit<OutboxRecord, 'createdAt' | 'status'>): Promise<OutboxRecord> {
  const rec: OutboxRecord = { ...item, createdAt: Date.now(), status: 'pending' };
  await putItem(rec);
  void syncNow(item.userId);
  return rec;
}

/** Removes everything stored for offline use on this phone (sign-out on a shared phone). */
export async function clearAll(): Promise<void> {
  if (dbPromise) {
    (await dbPromise).close();
    dbPromise = null;
  }
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  changed();
}

export type SyncOutcome = 'done' | 'offline' | 'signed-out' | 'busy' | 'error';

interface ServerResult {
  id: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  field?: string;
  reason?: string;
  reportLink?: string;
}

let running: Promise<SyncOutcome> | null = null;

/**
 * Sends the person's pending items, BATCH_SIZE at a time. Stops at the first network failure (what the
 * server already took is de-duplicated when the batch is sent again). One sync at a time per tab, and
 * across tabs when the browser has Web Locks.
 */
export function syncNow(userId: number): Promise<SyncOutcome> {
  if (running) return running;
  const work = async (): Promise<SyncOutcome> => {
    for (;;) {
      if (!navigator.onLine) return 'offline';
      const pending = (await listItems()).filter((i) => i.status === 'pending' && i.userId === userId).slice(0, BATCH_SIZE);
      if (!pending.length) return 'done';
      syncing = true;
      changed();
      let res: Response;
      try {
        res = await fetch('/api/sync', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify({ items: pending.map((i) => ({ ...i.payload, id: i.id, kind: i.kind })) }),
        });
      } catch {
        return 'offline';
      }
      if (res.status === 401) return 'signed-out';
      if (!res.ok) return 'error';
      let results: ServerResult[];
      try {
        results = ((await res.json()) as { results: ServerResult[] }).results;
      } catch {
        return 'offline';
      }
      for (const r of results) {
        const item = pending.find((p) => p.id === r.id);
        if (!item) continue;
        if (r.status === 'rejected') await putItem({ ...item, status: 'rejected', field: r.field, reason: r.reason });
        else {
          await removeItem(item.id);
          if (r.reportLink) addReportLink(r.reportLink);
        }
      }
      // an answer that named no item of the batch would loop forever
      if (!results.some((r) => pending.some((p) => p.id === r.id))) return 'error';
    }
  };
  const locked = (): Promise<SyncOutcome> =>
    'locks' in navigator ? (navigator.locks.request('tonghu-sync', () => work()) as unknown as Promise<SyncOutcome>) : work();
  running = locked().finally(() => {
    running = null;
    syncing = false;
    changed();
  });
  return running;
}

let syncing = false;
export const isSyncing = () => syncing;

const REPORTS_KEY = 'tonghu.reportLinks';

/**
 * Report forms the server asked for: a visit sent from the outbox recorded a mandatory-report situation.
 * Kept on the device until the person opens the form, so the reminder survives navigation.
 */
export function reportLinks(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(REPORTS_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.startsWith('/work/log/report?visit=')) : [];
  } catch {
    return [];
  }
}

function addReportLink(link: string): void {
  const list = reportLinks();
  if (!list.includes(link)) localStorage.setItem(REPORTS_KEY, JSON.stringify([...list, link]));
}

export function dropReportLink(link: string): void {
  localStorage.setItem(REPORTS_KEY, JSON.stringify(reportLinks().filter((l) => l !== link)));
}
