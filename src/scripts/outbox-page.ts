/** The 待同步 page (src/pages/outbox.astro): the outbox of this phone, rejected items with their reason. */
import { listItems, onOutboxChange, putItem, removeItem, syncNow, type OutboxRecord } from './outbox';

const box = document.getElementById('outbox');
if (box) {
  const d = box.dataset as Record<string, string>;
  const userId = Number(d.user);
  const list = box.querySelector<HTMLUListElement>('.outbox-list')!;
  const empty = box.querySelector<HTMLElement>('.outbox-empty')!;
  const fmt = new Intl.DateTimeFormat(document.documentElement.lang || 'zh-CN', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Shanghai' });

  const button = (text: string, cls: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = cls;
    b.textContent = text;
    b.addEventListener('click', onClick);
    return b;
  };

  const row = (item: OutboxRecord): HTMLLIElement => {
    const li = document.createElement('li');
    li.dataset.id = item.id;
    li.dataset.status = item.status;
    const head = document.createElement('p');
    const kind = document.createElement('span');
    kind.className = item.status === 'rejected' ? 'tag off' : 'tag';
    kind.textContent = `${d[`kind${item.kind[0]!.toUpperCase()}${item.kind.slice(1)}`] ?? item.kind} · ${item.status === 'rejected' ? d.msgRejected : d.msgPending}`;
    const label = document.createElement('b');
    label.textContent = ` ${item.label}`;
    head.append(kind, label);
    const when = document.createElement('p');
    when.className = 'small muted';
    when.textContent = (d.msgSavedAt ?? '').replace('{at}', fmt.format(item.createdAt));
    li.append(head, when);
    if (item.status === 'rejected') {
      const reason = document.createElement('p');
      reason.className = 'reason';
      reason.setAttribute('role', 'alert');
      reason.textContent = `${d.msgReason}${item.reason ?? ''}`;
      const actions = document.createElement('p');
      actions.className = 'row';
      if (item.kind === 'entry') {
        const a = document.createElement('a');
        a.className = 'button';
        a.href = `${item.href}?outbox=${encodeURIComponent(item.id)}`;
        a.textContent = d.msgEdit ?? '';
        actions.append(a);
      } else {
        actions.append(
          button(d.msgResend ?? '', 'secondary', () => {
            void putItem({ ...item, status: 'pending', field: undefined, reason: undefined }).then(() => syncNow(userId));
          }),
        );
      }
      actions.append(
        button(d.msgDiscard ?? '', 'linklike', () => {
          if (window.confirm(d.msgDiscardConfirm ?? '')) void removeItem(item.id);
        }),
      );
      li.append(reason, actions);
    }
    return li;
  };

  const render = async () => {
    const mine = (await listItems()).filter((i) => i.userId === userId);
    list.replaceChildren(...mine.filter((i) => i.status === 'rejected').map(row), ...mine.filter((i) => i.status === 'pending').map(row));
    empty.hidden = mine.length > 0;
  };
  onOutboxChange(() => void render());
  void render();
  box.querySelector('.outbox-sync')?.addEventListener('click', () => void syncNow(userId).then(render));
}
