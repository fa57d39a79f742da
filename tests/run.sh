#!/usr/bin/env bash
# `npm test`: unit tests (vitest) then browser tests (Playwright with Debian's chromium).
# Installs chromium and the CJK fonts the screenshots need when they are missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."

need_packages=0
if [ ! -x /usr/bin/chromium ]; then
  echo "tests/run.sh: /usr/bin/chromium is missing" >&2
  need_packages=1
fi
if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  echo "tests/run.sh: fonts-noto-cjk is not installed" >&2
  need_packages=1
fi
if [ "$need_packages" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y chromium fonts-noto-cjk poppler-utils
  else
    echo "tests/run.sh: run as root, or install them yourself: sudo apt-get install chromium fonts-noto-cjk poppler-utils" >&2
    exit 1
  fi
fi

npx vitest run
npx playwright test
