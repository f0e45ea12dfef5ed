#!/usr/bin/env bash
# Set up from nothing, build the index on the bundled corpus if missing, answer a sample question.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. .venv/bin/activate
hotline index build --if-missing
hotline ask "农村一户能有几处宅基地"
