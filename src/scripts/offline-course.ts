/** The "离线学习" section of a course page (src/components/OfflineCourse.astro, ADR 0016). */
import { canStore, dataSaver, formatBytes, forgetUrls, setDataSaver, storeUrls, storedInfo, whenControlled } from './offline-store';

const box = document.querySelector<HTMLElement>('section.offline-course');
if (box) {
  const d = box.dataset as Record<string, string>;
  const fill = (s: string | undefined, p: Record<string, string | number>) => (s ?? '').replace(/\{(\w+)\}/g, (_, k: string) => String(p[k] ?? ''));
  const pages = JSON.parse(d.offlinePages ?? '[]') as string[];
  const images = JSON.parse(d.offlineImages ?? '[]') as string[];
  const status = box.querySelector<HTMLElement>('.offline-stored')!;
  const button = box.querySelector<HTMLButtonElement>('.offline-download')!;
  const remove = box.querySelector<HTMLButtonElement>('.offline-remove')!;
  const saver = box.querySelector<HTMLInputElement>('.offline-saver')!;
  const saverSystem = box.querySelector<HTMLElement>('.offline-saver-system')!;

  const wanted = () => (dataSaver().on ? pages : [...pages, ...images]);
  const estimate = () => Number(d.pageBytes ?? 0) + (dataSaver().on ? 0 : Number(d.imageBytes ?? 0));

  const show = async () => {
    const info = await storedInfo([...pages, ...images]);
    status.textContent = info.pages ? fill(d.msgStored, { pages: info.pages, size: formatBytes(info.bytes) }) : d.msgNone ?? '';
    button.textContent = fill(info.pages ? d.msgAgain : d.msgButton, { size: formatBytes(estimate()) });
    remove.hidden = info.pages === 0;
  };

  if (canStore()) {
    const s = dataSaver();
    saver.checked = s.on;
    saver.disabled = s.system;
    saverSystem.hidden = !s.system;
    saver.addEventListener('change', () => {
      setDataSaver(saver.checked);
      void show();
    });
    void whenControlled().then((ok) => {
      if (!ok) return;
      button.disabled = false;
      void show();
    });
    button.addEventListener('click', () => {
      button.disabled = true;
      const list = wanted();
      // everything stored already: fetch it all again (an update); otherwise only what is missing (a resume)
      void storedInfo(list).then((before) => storeUrls(list, { refresh: before.pages === list.length, onProgress: (done, total) => (status.textContent = fill(d.msgProgress, { done, total })) }).then(async (r) => {
        const info = await storedInfo(list);
        await show();
        status.textContent = fill(r.ok ? d.msgDone : d.msgFailed, { pages: info.pages, size: formatBytes(info.bytes) });
        button.disabled = false;
      }));
    });
    remove.addEventListener('click', () => {
      void forgetUrls([...pages, ...images]).then(show);
    });
  }
}
