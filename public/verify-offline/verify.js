/*
 * 证书离线核验 — offline verifier for Tonghu certificate tokens (see src/lib/certification/signing.ts).
 *
 * Token: base64url(JSON payload) + '.' + base64url(Ed25519 signature over the ASCII of the first part).
 * Key:   the raw 32-byte Ed25519 public key in base64url (keys/cert-signing.pub on the server).
 *
 * Verification uses WebCrypto Ed25519 where the browser has it (Chrome/Edge 137+, Firefox 129+,
 * Safari 17+). Older browsers — common on office PCs — get a small RFC 8032 verifier written with BigInt
 * below (SHA-512 still from WebCrypto), so the page works on any browser from ~2019 on. Nothing here
 * touches the network. Written as plain ES2018 without a build step: this file is served as is.
 */
(function () {
  'use strict';

  var B64URL = /^[A-Za-z0-9_-]+$/;
  var DAY = /^\d{4}-\d{2}-\d{2}$/;
  var KIND_LABEL = {
    curriculum: '结业证书（培训课程体系）',
    course: '培训合格证书（课程）',
    'skill-level': '孤残儿童护理员职业技能等级证书'
  };
  var STORAGE_KEY = 'tonghu-verify-offline-public-key';

  // ------------------------------------------------------------------------------------------
  // Encoding
  // ------------------------------------------------------------------------------------------

  /** base64url → bytes, or null when the text is not canonical base64url. */
  function fromB64url(text) {
    if (!B64URL.test(text) || text.length % 4 === 1) return null;
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var bin;
    try {
      bin = atob(b64);
    } catch (e) {
      return null;
    }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    // One signature, one spelling: reject encodings with stray low bits (as the server does).
    if (toB64url(out) !== text) return null;
    return out;
  }

  function toB64url(bytes) {
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function ascii(text) {
    var out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  /** The public key as 32 bytes; accepts base64url or standard base64 (with padding). */
  function parsePublicKey(text) {
    var t = String(text || '').trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    var bytes = fromB64url(t);
    return bytes && bytes.length === 32 ? bytes : null;
  }

  /**
   * What the person pasted: a bare token, or the scanned URL (…/verify/CODE#token).
   * Returns { token, onlineUrl } (onlineUrl null unless an http(s) URL came with it).
   */
  function parseInput(text) {
    var t = String(text || '').replace(/\s+/g, '');
    var hash = t.lastIndexOf('#');
    if (hash >= 0) {
      var url = t.slice(0, hash);
      return { token: t.slice(hash + 1), onlineUrl: /^https?:\/\//i.test(url) ? url : null };
    }
    if (/^https?:\/\//i.test(t)) return { token: '', onlineUrl: t };
    return { token: t, onlineUrl: null };
  }

  function payloadOk(p) {
    if (!p || typeof p !== 'object' || Array.isArray(p)) return false;
    if (p.v !== 1) return false;
    var strings = ['s', 'n', 'c', 'a'];
    for (var i = 0; i < strings.length; i++) {
      if (typeof p[strings[i]] !== 'string' || !p[strings[i]]) return false;
    }
    if (!Object.prototype.hasOwnProperty.call(KIND_LABEL, p.k)) return false;
    if (p.h !== null && (typeof p.h !== 'number' || !isFinite(p.h) || p.h < 0)) return false;
    if (typeof p.i !== 'string' || !DAY.test(p.i)) return false;
    if (p.e !== null && (typeof p.e !== 'string' || !DAY.test(p.e))) return false;
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // Ed25519 verification (RFC 8032, section 5.1.7) for browsers without WebCrypto Ed25519
  // ------------------------------------------------------------------------------------------

  var P = (BigInt(1) << BigInt(255)) - BigInt(19);
  var L = (BigInt(1) << BigInt(252)) + BigInt('27742317777372353535851937790883648493');
  var N0 = BigInt(0);
  var N1 = BigInt(1);
  var N2 = BigInt(2);
  var N8 = BigInt(8);

  function mod(a, m) {
    var r = a % (m || P);
    return r >= N0 ? r : r + (m || P);
  }
  function pow(b, e, m) {
    var r = N1;
    b = mod(b, m);
    while (e > N0) {
      if (e & N1) r = (r * b) % m;
      b = (b * b) % m;
      e >>= N1;
    }
    return r;
  }
  function inv(a) {
    return pow(a, P - N2, P);
  }
  var D = mod(BigInt(-121665) * inv(BigInt(121666)));
  var SQRT_M1 = pow(N2, (P - N1) / BigInt(4), P);

  function numLE(bytes) {
    var n = N0;
    for (var i = bytes.length - 1; i >= 0; i--) n = (n << N8) | BigInt(bytes[i]);
    return n;
  }
  function recoverX(y, sign) {
    if (y >= P) return null;
    var x2 = mod((y * y - N1) * inv(D * y * y + N1));
    if (x2 === N0) return sign ? null : N0;
    var x = pow(x2, (P + BigInt(3)) / N8, P);
    if (mod(x * x - x2) !== N0) x = mod(x * SQRT_M1);
    if (mod(x * x - x2) !== N0) return null;
    if (Number(x & N1) !== sign) x = P - x;
    return x;
  }
  // Points in extended coordinates [X, Y, Z, T], x = X/Z, y = Y/Z, x*y = T/Z.
  function decodePoint(bytes) {
    var b = bytes.slice();
    var sign = b[31] >> 7;
    b[31] &= 0x7f;
    var y = numLE(b);
    var x = recoverX(y, sign);
    return x === null ? null : [x, y, N1, mod(x * y)];
  }
  function add(p, q) {
    var a = mod((p[1] - p[0]) * (q[1] - q[0]));
    var b = mod((p[1] + p[0]) * (q[1] + q[0]));
    var c = mod(N2 * p[3] * q[3] * D);
    var d = mod(N2 * p[2] * q[2]);
    var e = b - a;
    var f = d - c;
    var g = d + c;
    var h = b + a;
    return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
  }
  function mul(s, p) {
    var q = [N0, N1, N1, N0];
    while (s > N0) {
      if (s & N1) q = add(q, p);
      p = add(p, p);
      s >>= N1;
    }
    return q;
  }
  function encodePoint(p) {
    var zi = inv(p[2]);
    var x = mod(p[0] * zi);
    var y = mod(p[1] * zi);
    var out = new Uint8Array(32);
    for (var i = 0; i < 32; i++) {
      out[i] = Number(y & BigInt(255));
      y >>= N8;
    }
    out[31] |= Number(x & N1) << 7;
    return out;
  }
  var BASE = (function () {
    var y = mod(BigInt(4) * inv(BigInt(5)));
    var x = recoverX(y, 0);
    return [x, y, N1, mod(x * y)];
  })();

  function ed25519VerifyFallback(publicKey, signature, message) {
    if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve(false);
    var A = decodePoint(publicKey);
    var rBytes = signature.slice(0, 32);
    var S = numLE(signature.slice(32));
    if (!A || S >= L) return Promise.resolve(false);
    var data = new Uint8Array(64 + message.length);
    data.set(rBytes, 0);
    data.set(publicKey, 32);
    data.set(message, 64);
    return crypto.subtle.digest('SHA-512', data).then(function (digest) {
      var k = mod(numLE(new Uint8Array(digest)), L);
      var kA = mul(k, A);
      var negKA = [mod(-kA[0]), kA[1], kA[2], mod(-kA[3])];
      // [S]B − [k]A must encode to exactly R (the same byte check OpenSSL makes).
      var check = encodePoint(add(mul(S, BASE), negKA));
      for (var i = 0; i < 32; i++) if (check[i] !== rBytes[i]) return false;
      return true;
    });
  }

  // ------------------------------------------------------------------------------------------
  // Verification
  // ------------------------------------------------------------------------------------------

  function webCryptoVerify(publicKey, signature, message) {
    return crypto.subtle
      .importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify'])
      .then(function (key) {
        return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
      });
  }

  /**
   * Checks `token` against the 32-byte `publicKey`.
   * Resolves { ok: true, payload, engine } or { ok: false, reason: 'malformed' | 'bad-signature', claimed? }.
   * options.forceFallback skips WebCrypto Ed25519 (tests).
   */
  function verifyToken(publicKey, token, options) {
    var parts = String(token || '').trim().split('.');
    if (parts.length !== 2 || !B64URL.test(parts[0])) return Promise.resolve({ ok: false, reason: 'malformed' });
    var signature = fromB64url(parts[1]);
    var body = fromB64url(parts[0]);
    if (!signature || signature.length !== 64 || !body) return Promise.resolve({ ok: false, reason: 'malformed' });
    var message = ascii(parts[0]);

    var engine = 'webcrypto';
    var check = options && options.forceFallback
      ? Promise.reject(new Error('fallback forced'))
      : webCryptoVerify(publicKey, signature, message);
    return check
      .catch(function () {
        // Ed25519 missing from this browser's WebCrypto (NotSupportedError and friends): verify in JS.
        engine = 'fallback';
        return ed25519VerifyFallback(publicKey, signature, message);
      })
      .then(function (valid) {
        var payload = null;
        try {
          payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
        } catch (e) {
          payload = null;
        }
        if (!valid) return { ok: false, reason: 'bad-signature', claimed: payload };
        if (!payloadOk(payload)) return { ok: false, reason: 'malformed' };
        return { ok: true, payload: payload, engine: engine };
      });
  }

  /** Today in China time (UTC+8), as the certificates' dates are. */
  function chinaToday(nowMs) {
    return new Date((nowMs === undefined ? Date.now() : nowMs) + 8 * 3600 * 1000).toISOString().slice(0, 10);
  }

  function formatDay(day) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    return m ? Number(m[1]) + '年' + Number(m[2]) + '月' + Number(m[3]) + '日' : day;
  }

  var api = {
    verifyToken: verifyToken,
    parseInput: parseInput,
    parsePublicKey: parsePublicKey,
    ed25519VerifyFallback: ed25519VerifyFallback,
    chinaToday: chinaToday
  };
  // For tests (run in a bare context) and for anyone checking from the browser console.
  (typeof globalThis !== 'undefined' ? globalThis : self).TonghuOfflineVerify = api;

  // ------------------------------------------------------------------------------------------
  // Page
  // ------------------------------------------------------------------------------------------

  if (typeof document === 'undefined') return;

  function $(id) {
    return document.getElementById(id);
  }
  function storage() {
    try {
      return window.localStorage;
    } catch (e) {
      return null; // file:// in some browsers, or storage disabled
    }
  }

  function showResult(kind, verdict, detail) {
    var box = $('result');
    box.className = kind;
    box.hidden = false;
    $('verdict').textContent = verdict;
    $('verdict-detail').textContent = detail || '';
    $('fields').hidden = true;
    $('revocation-note').hidden = true;
  }

  function setField(name, text, tag) {
    var dd = document.querySelector('dd[data-field="' + name + '"]');
    dd.textContent = text;
    if (tag) {
      var span = document.createElement('span');
      span.className = 'tag ' + tag.kind;
      span.textContent = tag.text;
      dd.appendChild(span);
    }
  }

  function showFields(p, today) {
    var expired = p.e !== null && today > p.e;
    setField('serial', p.s);
    setField('holder', p.n + '（姓名已部分隐去）');
    setField('kind', KIND_LABEL[p.k]);
    setField('completed', p.c);
    setField('hours', p.h === null ? '—' : String(p.h) + ' 学时');
    setField('issued', formatDay(p.i));
    setField(
      'expires',
      p.e === null ? '长期有效' : formatDay(p.e),
      p.e === null ? null : expired ? { kind: 'warn', text: '已过期' } : { kind: 'ok', text: '未过期' }
    );
    setField('issuer', p.a);
    $('fields').hidden = false;
  }

  function forgetButton() {
    var s = storage();
    $('forget-key').hidden = !(s && s.getItem(STORAGE_KEY));
  }

  function onSubmit(ev) {
    ev.preventDefault();
    var keyText = $('key').value;
    var input = parseInput($('token').value);
    var publicKey = parsePublicKey(keyText);
    if (!publicKey) {
      showResult('bad', '无法核验', '公钥格式不正确：应为发证机关提供的 43 个字符（base64url）。The public key should be 43 base64url characters.');
      $('key').focus();
      return;
    }
    if (!input.token) {
      showResult(
        'bad',
        '无法核验',
        input.onlineUrl
          ? '这个网址不含 # 之后的令牌，只能联网打开核验。This URL carries no token; open it online.'
          : '请粘贴证书令牌，或扫码得到的整段网址。Paste the token or the scanned URL.'
      );
      $('token').focus();
      return;
    }
    if (!window.crypto || !window.crypto.subtle) {
      showResult('bad', '无法核验', '此浏览器不提供加密接口（页面须以 https 或本地文件打开）。WebCrypto is unavailable here.');
      return;
    }
    var button = $('verify-button');
    button.disabled = true;
    verifyToken(publicKey, input.token)
      .then(function (r) {
        if (!r.ok) {
          showResult(
            'bad',
            '无效 ✗',
            r.reason === 'malformed'
              ? '令牌格式不正确，不是童护学堂的证书令牌。请确认复制完整。Malformed token.'
              : '签名不符：证书内容被改动过，或不是由该公钥对应的发证系统签发。The signature does not match.'
          );
          return;
        }
        var today = chinaToday();
        var p = r.payload;
        var expired = p.e !== null && today > p.e;
        if (expired) {
          showResult('warn', '签名有效，但证书已过期', '证书由发证系统签发、内容未被改动，有效期已于 ' + formatDay(p.e) + ' 届满。Authentic, but expired.');
        } else {
          showResult('ok', '有效 ✓', '签名有效：证书由发证系统签发，内容未被改动。Valid signature.');
        }
        showFields(p, today);
        $('revocation-note').hidden = false;
        if (input.onlineUrl) {
          $('online-link').textContent = input.onlineUrl;
          $('online-link').href = input.onlineUrl;
          $('online-link-wrap').hidden = false;
        } else {
          $('online-link-wrap').hidden = true;
        }
        var s = storage();
        if (s) {
          try {
            s.setItem(STORAGE_KEY, keyText.trim());
          } catch (e) {
            /* storage full or blocked: remembering is a convenience only */
          }
        }
        forgetButton();
      })
      .catch(function (e) {
        showResult('bad', '无法核验', '核验时出错：' + (e && e.message ? e.message : String(e)));
      })
      .then(function () {
        button.disabled = false;
      });
  }

  function init() {
    var s = storage();
    var saved = s && s.getItem(STORAGE_KEY);
    if (saved) $('key').value = saved;
    forgetButton();
    // Opened as …/verify-offline/#<token>: prefill the token (the fragment never leaves the browser).
    if (location.hash.length > 1) {
      try {
        $('token').value = decodeURIComponent(location.hash.slice(1));
      } catch (e) {
        $('token').value = location.hash.slice(1);
      }
    }
    $('verify-form').addEventListener('submit', onSubmit);
    $('forget-key').addEventListener('click', function () {
      var st = storage();
      if (st) st.removeItem(STORAGE_KEY);
      $('key').value = '';
      forgetButton();
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
