#!/usr/bin/env bash
# Set up from nothing, build the index on the bundled corpus if missing, start the service on
# http://127.0.0.1:8000 (API docs at /docs). Create keys with: .venv/bin/hotline keys create --role editor
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. .venv/bin/activate
hotline index build --if-missing
hotline ask "农村一户能有几处宅基地" --top-k 1
exec hotline serve
