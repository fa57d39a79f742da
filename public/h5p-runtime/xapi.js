/*
 * Loaded by the player inside the sandboxed H5P frame (see ./frame.js), after the H5P core and before the
 * content starts: forwards the xAPI statements the parent page relays to the server.
 */
(function () {
  'use strict';
  if (!window.H5P || !window.H5P.externalDispatcher || window.parent === window) return;
  var parentOrigin = location.protocol + '//' + location.host;
  var RELAYED = /\/verbs\/(answered|completed|passed|failed|scored)$/;
  window.H5P.externalDispatcher.on('xAPI', function (event) {
    var st = event && event.data && event.data.statement;
    if (!st || !st.verb || !RELAYED.test(st.verb.id)) return;
    // a plain copy: only JSON crosses the frame boundary
    window.parent.postMessage({ source: 'tonghu-h5p', type: 'xapi', statement: JSON.parse(JSON.stringify(st)) }, parentOrigin);
  });
})();
