#!/usr/bin/env bash
# `npm test`: unit tests (vitest), then browser tests (Playwright driving Debian's chromium), then a short
# crash-safety soak against the built server.
# When chromium or the CJK fonts (without them every Chinese character renders as a box) are
# missing and we are root, installs them with apt-get first.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "tests/run.sh: installing ${missing[*]} (and poppler-utils) with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y chromium fonts-noto-cjk poppler-utils
  elif [ ! -x /usr/bin/chromium ]; then
    echo "tests/run.sh: /usr/bin/chromium is missing; as root run: apt-get install -y chromium fonts-noto-cjk poppler-utils" >&2
    exit 1
  else
    echo "tests/run.sh: warning: fonts-noto-cjk is not installed, Chinese text in screenshots will not render" >&2
  fi
fi

npx vitest run
npx playwright test
# Crash safety, short (tests/soak/crash.test.ts; `npm run test:soak` is the long one): 16 clients for 8 s, an
# online backup, kill -9, restart; on a copy of the demo database the browser tests leave (no second seed).
SOAK_DB_FROM=tmp/e2e/tonghu.db SOAK_CLIENTS="${SOAK_CLIENTS:-16}" SOAK_SECONDS="${SOAK_SECONDS:-8}" \
  npx vitest run --config vitest.soak.config.ts
