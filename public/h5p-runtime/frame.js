/*
 * Runs inside the sandboxed H5P frame (/h5p/frame/<activity>, opaque origin). Starts h5p-standalone
 * with the settings in #h5p-container's data- attributes; ./xapi.js (loaded by the player after the H5P
 * core, before the content starts) forwards xAPI statements. Messages to the parent page, by postMessage
 * only:
 *   { source: 'tonghu-h5p', type: 'xapi', statement }   answered / completed / passed / failed / scored
 *   { source: 'tonghu-h5p', type: 'height', height }     so the parent can size the iframe
 * The parent (src/components/H5pActivity.astro) checks the message comes from this frame and relays the
 * statement to POST /api/xapi; this frame cannot call the app itself (no session, opaque origin).
 */
(function () {
  'use strict';

  // An opaque origin has no Web Storage: reading window.localStorage throws, and H5P core reads it while
  // starting (offline queue, clipboard, user id). Give it storage that lives as long as the page.
  function memoryStorage() {
    var data = {};
    return {
      getItem: function (k) {
        return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : null;
      },
      setItem: function (k, v) {
        data[k] = String(v);
      },
      removeItem: function (k) {
        delete data[k];
      },
      clear: function () {
        data = {};
      },
      key: function (i) {
        return Object.keys(data)[i] || null;
      },
      get length() {
        return Object.keys(data).length;
      },
    };
  }
  ['localStorage', 'sessionStorage'].forEach(function (name) {
    try {
      void window[name];
    } catch (e) {
      try {
        Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
      } catch (e2) {
        /* leave it: H5P then fails to start and the error note shows */
      }
    }
  });

  var el = document.getElementById('h5p-container');
  if (!el || !window.H5PStandalone) return;
  var parentOrigin = location.protocol + '//' + location.host;

  function post(message) {
    if (window.parent === window) return;
    message.source = 'tonghu-h5p';
    window.parent.postMessage(message, parentOrigin);
  }

  var lastHeight = 0;
  function sendHeight() {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h && Math.abs(h - lastHeight) > 2) {
      lastHeight = h;
      post({ type: 'height', height: h });
    }
  }
  if (window.ResizeObserver) new ResizeObserver(sendHeight).observe(document.body);
  window.addEventListener('load', sendHeight);

  var options = {
    id: el.getAttribute('data-activity'),
    title: el.getAttribute('data-title') || '',
    h5pJsonPath: el.getAttribute('data-h5p-json'),
    librariesPath: el.getAttribute('data-libraries'),
    frameJs: '/h5p-player/frame.bundle.js',
    frameCss: '/h5p-player/styles/h5p.css',
    // the page is the sandbox already: no nested iframe (it would need an inline script)
    embedType: 'div',
    frame: false,
    copyright: false,
    export: false,
    embed: false,
    icon: false,
    fullScreen: false,
    xAPIObjectIRI: el.getAttribute('data-iri'),
    // runs after the H5P core and the libraries are loaded, before the content starts
    customJs: ['/h5p-runtime/xapi.js'],
    translations: {
      fullscreen: '全屏',
      disableFullscreen: '退出全屏',
      close: '关闭',
      confirmDialogHeader: '请确认',
      confirmDialogBody: '确定要继续吗？此操作无法撤销。',
      cancelLabel: '取消',
      confirmLabel: '确定',
      contentChanged: '内容已更新。',
      startingOver: '将重新开始。',
    },
  };

  new window.H5PStandalone.H5P(el, options)
    .then(function () {
      sendHeight();
    })
    .catch(function (e) {
      var err = document.getElementById('h5p-error');
      if (err) err.hidden = false;
      sendHeight();
      if (window.console) console.error('H5P failed to start', e);
    });
})();
