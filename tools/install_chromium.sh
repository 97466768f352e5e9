#!/usr/bin/env sh
# Install Debian's chromium for the report's browser test (tests/validation/test_report_browser.py).
# Idempotent: does nothing when a chromium binary is already on PATH. Needs root (or sudo) and apt;
# prints why and exits 1 when it cannot, so the test can skip with that message.
set -u
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then command -v "$b"; exit 0; fi
done
if ! command -v apt-get >/dev/null 2>&1; then echo "no apt-get on this machine: install chromium by hand" >&2; exit 1; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "installing chromium needs root (apt-get install chromium)" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || { echo "apt-get update failed (no network or no apt sources?)" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 || {
  echo "apt-get install chromium failed" >&2; exit 1; }
command -v chromium || { echo "chromium installed but not on PATH" >&2; exit 1; }
