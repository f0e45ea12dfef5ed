#!/usr/bin/env bash
# Set up from nothing and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. .venv/bin/activate
set +e
# Two workers, one test file each at a time (module fixtures stay shared): most waiting in the
# suite is on servers, browsers and subprocesses, so the files overlap well on 2 cores.
python -m pytest -n "${HOTLINE_TEST_WORKERS:-2}" --dist loadfile "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  # pytest exits 5 when it collected nothing: a suite that tests nothing must not pass.
  echo "no tests were collected: failing" >&2
  exit 1
fi
exit "$status"
