#!/usr/bin/env bash
# Run the whole test suite (unit, real Tesseract, real S3 server, throwaway PostgreSQL, real PKI).
# Installs what is missing first, so it works on a fresh clone; extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export DO_NOT_TRACK=1
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi
exit "$code"
