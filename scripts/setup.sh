#!/usr/bin/env bash
# Idempotent set-up from a bare machine with Python 3.11: virtualenv, CPU torch first (a local
# wheel; otherwise pip resolves a multi-GB CUDA build), the project, and the converted model.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# The browser tests (tests/test_pages.py) drive Debian's chromium; without a CJK font every
# Chinese character renders as a box. Installed only when missing; HOTLINE_SKIP_BROWSER=1 skips.
CJK_FONT=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
if [ "${HOTLINE_SKIP_BROWSER:-0}" != "1" ] && { [ ! -x /usr/bin/chromium ] || [ ! -f "$CJK_FONT" ]; }; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo -n"
  if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
    echo "==> installing chromium and fonts-noto-cjk (browser tests)"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk
  else
    echo "warning: chromium or fonts-noto-cjk missing and apt-get unusable here; browser tests will be skipped" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
if ! python -c "import torch" 2>/dev/null; then
  echo "==> installing CPU torch"
  pip install -q torch==2.13.0
fi
echo "==> installing the project"
pip install -q -e ".[test]"
echo "==> preparing the embedding model"
hotline models prepare
