#!/usr/bin/env bash
# Chromium and its WebDriver for tests/webapp/test_browser.py (Debian/Ubuntu).
# Idempotent and quiet: does nothing when both are installed. Needs root
# (CI runners: run with sudo). The Python side (gradio, selenium) is in
# requirements-test.txt.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
chromium --version
