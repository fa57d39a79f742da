/**
 * Progressive enhancement of the quiz form (it works without this): saves each answer as it changes,
 * shows the time left as the server computed it, and submits when the time is up. Answers that could not
 * be saved (no network) are sent with the submission.
 */
const form = document.querySelector<HTMLFormElement>('form#attempt-form');
if (form) {
  const attemptId = form.dataset.attemptId!;
  const deadline = Date.now() + Number(form.dataset.remainingMs ?? 0);
  const clock = document.querySelector<HTMLElement>('#time-left');
  const status = document.querySelector<HTMLElement>('#save-status');
  const labels = { saving: form.dataset.saving ?? '…', saved: form.dataset.saved ?? '✓', offline: form.dataset.offline ?? '!' };

  const responseOf = (ord: string, type: string): unknown => {
    const named = (n: string) => [...form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(`[name="${n}"]`)];
    if (type === 'single') {
      const c = named(`q${ord}`).find((e) => (e as HTMLInputElement).checked);
      return c ? Number(c.value) : null;
    }
    if (type === 'multiple') return named(`q${ord}`).filter((e) => (e as HTMLInputElement).checked).map((e) => Number(e.value));
    if (type === 'truefalse') {
      const c = named(`q${ord}`).find((e) => (e as HTMLInputElement).checked);
      return c ? c.value === 'true' : null;
    }
    if (type === 'fill') return (named(`q${ord}`)[0] as HTMLInputElement | undefined)?.value ?? null;
    const selects = [...form.querySelectorAll<HTMLSelectElement>(`select[data-ord="${ord}"]`)];
    const ranks = selects.map((s) => Number(s.value));
    return ranks.every((r) => r > 0) ? ranks : null;
  };

  const save = async (fieldset: HTMLElement) => {
    const ord = fieldset.dataset.ord!;
    const type = fieldset.dataset.type!;
    const response = responseOf(ord, type);
    if (status) status.textContent = labels.saving;
    try {
      const res = await fetch(`/api/attempts/${attemptId}/answer`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ord: Number(ord), response: Array.isArray(response) && response.length === 0 ? null : response }),
      });
      if (status) status.textContent = res.ok ? labels.saved : labels.offline;
    } catch {
      if (status) status.textContent = labels.offline;
    }
  };

  form.addEventListener('change', (e) => {
    const fs = (e.target as HTMLElement).closest<HTMLElement>('fieldset[data-ord]');
    if (fs) void save(fs);
  });

  // offline (ADR 0016): a practice quiz goes to the outbox and is graded when it reaches the server;
  // an exam must be submitted online, so its answers stay on the page until the network returns
  const offlineNote = (text: string) => {
    let n = document.getElementById('quiz-offline');
    if (!n) {
      n = document.createElement('p');
      n.id = 'quiz-offline';
      n.setAttribute('role', 'alert');
      form.insertAdjacentElement('beforebegin', n);
    }
    n.className = form.dataset.exam === '1' ? 'notice error' : 'notice';
    n.textContent = text;
    n.scrollIntoView({ block: 'center' });
  };
  const queueOffline = async () => {
    const responses: Record<string, unknown> = {};
    for (const fs of form.querySelectorAll<HTMLElement>('fieldset[data-ord]')) {
      const r = responseOf(fs.dataset.ord!, fs.dataset.type!);
      responses[fs.dataset.ord!] = Array.isArray(r) && r.length === 0 ? null : r;
    }
    const { enqueue, newId } = await import('./outbox');
    await enqueue({
      id: newId('quiz'),
      userId: Number(form.dataset.user),
      kind: 'quiz',
      payload: { attemptId: Number(attemptId), responses, answeredAt: Date.now() },
      label: document.title.split(' · ').slice(0, 2).join(' · '),
      href: location.pathname,
    });
    for (const el of form.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>('input, select, button')) el.disabled = true;
    offlineNote(form.dataset.msgQueued ?? '');
  };

  let submitted = false;
  let queued = false;
  form.addEventListener('submit', (e) => {
    if (!navigator.onLine) {
      e.preventDefault();
      const isSubmit = (e.submitter as HTMLButtonElement | null)?.value === 'submit';
      if (form.dataset.exam === '1' || !isSubmit) {
        offlineNote(form.dataset.exam === '1' ? (form.dataset.msgExamOffline ?? '') : labels.offline);
        return;
      }
      if (queued) return;
      queued = true;
      submitted = true;
      void queueOffline();
      return;
    }
    submitted = true;
  });
  const tick = () => {
    const left = Math.max(0, deadline - Date.now());
    const m = Math.floor(left / 60000);
    const s = Math.floor((left % 60000) / 1000);
    if (clock) clock.textContent = `${m}:${String(s).padStart(2, '0')}`;
    if (left <= 0 && !submitted) {
      submitted = true;
      form.querySelector<HTMLButtonElement>('button[name="_action"][value="submit"]')?.click();
      return;
    }
    setTimeout(tick, 1000);
  };
  tick();
}
