#!/usr/bin/env bash
# Set up from nothing and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. .venv/bin/activate
set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  # pytest exits 5 when it collected nothing: a suite that tests nothing must not pass.
  echo "no tests were collected: failing" >&2
  exit 1
fi
exit "$status"
