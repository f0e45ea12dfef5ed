#!/usr/bin/env bash
# Idempotent set-up from a bare machine with Python 3.11: virtualenv, CPU torch first (a local
# wheel; otherwise pip resolves a multi-GB CUDA build), the project, and the converted model.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

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
