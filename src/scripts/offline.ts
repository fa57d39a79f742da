/**
 * On every page (src/layouts/Layout.astro): registers the service worker, shows how many records wait
 * on this phone (the #sync-status slot), sends them when the network returns, puts lesson completions
 * and work-log entries made offline into the outbox, keeps the lessons of assigned courses readable
 * offline, and clears what is stored when the person signs out (ADR 0016).
 */
import { clearAll, dropReportLink, enqueue, getItem, isSyncing, listItems, newId, onOutboxChange, putItem, reportLinks, syncNow } from './outbox';
import { dataSaver, forgetAllPages, storeUrls, whenControlled } from './offline-store';

const slot = document.getElementById('sync-status');
const userId = Number(slot?.dataset.user || 0);
const msg = (slot?.dataset ?? {}) as Record<string, string>;
const fill = (s: string | undefined, params: Record<string, string | number>) => (s ?? '').replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
const controlledAtLoad = 'serviceWorker' in navigator && !!navigator.serviceWorker.controller;

if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}

// ---- a shared phone: signed out, or someone else signed in ------------------------------------------
const OWNER_KEY = 'tonghu.owner';
if (!userId && new URL(location.href).searchParams.get('out') === '1') {
  void (async () => {
    await forgetAllPages();
    await clearAll();
    localStorage.removeItem(OWNER_KEY);
    localStorage.removeItem('tonghu.reportLinks');
  })();
} else if (userId) {
  const owner = localStorage.getItem(OWNER_KEY);
  // the pages stored belong to the person who was signed in before (their outbox items keep their owner
  // and are only ever sent with that person's session)
  if (owner && owner !== String(userId)) void forgetAllPages();
  localStorage.setItem(OWNER_KEY, String(userId));
}

// ---- the status slot --------------------------------------------------------------------------------
async function render(): Promise<void> {
  if (!slot || !userId) return;
  let mine: Awaited<ReturnType<typeof listItems>> = [];
  try {
    mine = (await listItems()).filter((i) => i.userId === userId);
  } catch {
    mine = [];
  }
  const pending = mine.filter((i) => i.status === 'pending').length;
  const rejected = mine.filter((i) => i.status === 'rejected').length;
  const parts: HTMLElement[] = [];
  const link = (href: string, text: string, cls = '') => {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    if (cls) a.className = cls;
    return a;
  };
  if (!navigator.onLine) {
    const s = document.createElement('span');
    s.className = 'sync-offline';
    s.textContent = msg.offline ?? '';
    parts.push(s);
  }
  if (pending) parts.push(link('/outbox', isSyncing() && navigator.onLine ? `${fill(msg.pending, { n: pending })} · ${msg.syncing}` : fill(msg.pending, { n: pending }), 'sync-pending'));
  if (rejected) parts.push(link('/outbox', fill(msg.rejected, { n: rejected }), 'sync-rejected'));
  for (const r of reportLinks()) {
    const a = link(r, msg.report ?? '', 'sync-report');
    a.addEventListener('click', () => dropReportLink(r));
    parts.push(a);
  }
  slot.replaceChildren(...parts);
  slot.hidden = parts.length === 0;
}

const sync = async () => {
  if (!userId || !navigator.onLine) return render();
  await syncNow(userId);
  await render();
};

onOutboxChange(() => void render());
window.addEventListener('online', () => void sync());
window.addEventListener('offline', () => void render());
void sync();
// a record may wait while the phone says it is online but the network is not there (weak signal)
setInterval(() => {
  void listItems()
    .then((items) => items.some((i) => i.userId === userId && i.status === 'pending'))
    .then((any) => (any ? sync() : undefined))
    .catch(() => undefined);
}, 30_000);

// ---- sign-out with records still waiting --------------------------------------------------------------
for (const f of document.querySelectorAll<HTMLFormElement>('form[action="/logout"]')) {
  let confirmed = false;
  f.addEventListener('submit', (e) => {
    if (confirmed || !userId) return;
    e.preventDefault();
    void listItems()
      .catch(() => [])
      .then((items) => {
        const n = items.filter((i) => i.userId === userId).length;
        if (n === 0 || window.confirm(fill(msg.signout, { n }))) {
          confirmed = true;
          f.submit();
        }
      });
  });
}

// ---- forms that work offline --------------------------------------------------------------------------
function notice(after: Element, text: string, kind = ''): HTMLElement {
  const p = document.createElement('p');
  p.className = `notice ${kind}`.trim();
  p.setAttribute('role', 'status');
  p.textContent = text;
  after.insertAdjacentElement('beforebegin', p);
  return p;
}

/** The form's fields as the server's form parser reads them (last value wins, no files). */
function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form).entries()) if (typeof v === 'string' && k !== 'clientId') out[k] = v;
  return out;
}

// a lesson read offline
for (const form of document.querySelectorAll<HTMLFormElement>('form[data-offline-lesson]')) {
  form.addEventListener('submit', (e) => {
    if (navigator.onLine || !userId) return;
    e.preventDefault();
    const title = document.querySelector('h1')?.textContent?.trim() ?? '';
    void enqueue({ id: newId('lesson'), userId, kind: 'lesson', payload: { lessonId: Number(form.dataset.offlineLesson) }, label: title, href: location.pathname }).then(() => {
      notice(form, form.dataset.msgQueued ?? '');
      form.remove();
    });
  });
}

// a work-log entry recorded offline, or a rejected one corrected and sent again
for (const form of document.querySelectorAll<HTMLFormElement>('form[data-offline-entry]')) {
  const type = form.dataset.offlineEntry!;
  const editId = new URL(location.href).searchParams.get('outbox');
  const labelOf = (v: Record<string, string>) => `${document.querySelector('h1')?.textContent?.trim() ?? type} · ${v.day ?? v.reportedAt?.replace('T', ' ') ?? ''}`;
  if (editId) {
    void getItem(editId).then((item) => {
      if (!item || item.kind !== 'entry' || item.userId !== userId) return;
      const values = (item.payload.values ?? {}) as Record<string, string>;
      for (const el of form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')) {
        if (!el.name || el.name === 'clientId') continue;
        if (el instanceof HTMLInputElement && (el.type === 'radio' || el.type === 'checkbox')) el.checked = values[el.name] === el.value;
        else if (el.type !== 'hidden' || el.name in values) el.value = values[el.name] ?? '';
      }
      // the server asked to confirm that the findings describe no mandatory-report situation
      if (item.field === 'situations') form.querySelector<HTMLElement>('.work-confirm')?.removeAttribute('hidden');
      const n = notice(form, `${form.dataset.msgEditing ?? ''} ${item.reason ?? ''}`.trim(), 'warn');
      n.id = 'outbox-editing';
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const v = formValues(form);
        void putItem({ ...item, payload: { type, values: v }, label: labelOf(v), status: 'pending', field: undefined, reason: undefined })
          .then(() => syncNow(userId))
          .finally(() => location.assign('/outbox'));
      });
    });
    continue;
  }
  form.addEventListener('submit', (e) => {
    if (navigator.onLine || !userId) return;
    e.preventDefault();
    const v = formValues(form);
    // a fresh id per record: a form page kept for offline use carries the id of an earlier visit
    void enqueue({ id: newId(type), userId, kind: 'entry', payload: { type, values: v }, label: labelOf(v), href: location.pathname }).then(() => {
      form.reset();
      document.getElementById('outbox-queued')?.remove();
      notice(form, form.dataset.msgQueued ?? '').id = 'outbox-queued';
      window.scrollTo(0, 0);
    });
  });
}

// ---- H5P activities: their sandboxed frame cannot be served offline; the data saver does not load them
for (const box of document.querySelectorAll<HTMLElement>('section[data-h5p-activity]')) {
  const frame = box.querySelector<HTMLIFrameElement>('iframe.h5p-frame');
  if (!frame) continue;
  const src = frame.getAttribute('src') ?? '';
  const note = document.createElement('p');
  note.className = 'notice warn h5p-offline';
  note.setAttribute('role', 'status');
  if (!navigator.onLine) {
    frame.removeAttribute('src');
    frame.hidden = true;
    note.textContent = box.dataset.msgNeedsNetwork ?? '';
    frame.insertAdjacentElement('afterend', note);
    window.addEventListener('online', () => {
      frame.setAttribute('src', src);
      frame.hidden = false;
      note.remove();
    }, { once: true });
  } else if (dataSaver().on) {
    frame.removeAttribute('src');
    frame.hidden = true;
    note.textContent = `${box.dataset.msgSaver ?? ''} `;
    const load = document.createElement('button');
    load.type = 'button';
    load.className = 'secondary';
    load.textContent = box.dataset.msgLoad ?? '';
    load.addEventListener('click', () => {
      frame.setAttribute('src', src);
      frame.hidden = false;
      note.remove();
    });
    note.append(load);
    frame.insertAdjacentElement('afterend', note);
  }
}

// ---- lessons of assigned courses: readable offline after one visit online ------------------------------
const courses = document.querySelector<HTMLElement>('[data-offline-courses]');
if (userId && 'caches' in window) {
  void whenControlled().then(async (controlled) => {
    try {
      if (!controlled || !navigator.onLine) return;
      // the first visit was not under the worker: keep this page too (the worker keeps only pages marked offline)
      if (!controlledAtLoad) await storeUrls([location.pathname + location.search], { refresh: true });
      // the list of what waits on the phone must open offline too
      await storeUrls(['/outbox']);
      const slugs = JSON.parse(courses?.dataset.offlineCourses ?? '[]') as string[];
      for (const slug of slugs) {
        const courseUrl = `/learn/courses/${slug}`;
        const r = await storeUrls([courseUrl]);
        if (!r.ok) return;
        const hit = await caches.match(courseUrl);
        const doc = new DOMParser().parseFromString(hit ? await hit.text() : '', 'text/html');
        const pages = JSON.parse(doc.querySelector('[data-offline-pages]')?.getAttribute('data-offline-pages') ?? '[]') as string[];
        if (!(await storeUrls(pages)).ok) return;
      }
    } finally {
      // for the browser tests: the background work of this page is over
      document.documentElement.dataset.offlineReady = '1';
    }
  });
}
