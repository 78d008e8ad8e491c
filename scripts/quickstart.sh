#!/usr/bin/env bash
# Quick start: set everything up, then digitize the bundled samples on embedded defaults
# (SeaweedFS S3 server, SQLite index, local TEST signing key, ephemeral Prefect).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/install.sh
export DO_NOT_TRACK=1
mkdir -p out
set +e
.venv/bin/sohoa digitize samples/scans samples/broken --report out/quickstart-report.json \
  --agency-code 000.00.00.H00 --procedure 1.000000
code=$?
set -e
# Messages are Vietnamese unless SOHOA_LANG=en (as sohoa's own).
if [ "${SOHOA_LANG:-vi}" = "en" ]; then
  echo "quick start finished in $(( $(date +%s) - start )) s; report: out/quickstart-report.json"
  try="Try: .venv/bin/sohoa lookup --owner-id 045187678636   (a synthetic citizen; see README)"
else
  echo "Chạy thử xong sau $(( $(date +%s) - start )) giây; báo cáo: out/quickstart-report.json"
  try="Thử tiếp: .venv/bin/sohoa lookup --owner-id 045187678636   (một công dân giả lập; xem README)"
fi
# The samples include broken files on purpose: exit code 3 (quarantined) is the expected outcome.
if [ "$code" -eq 0 ] || [ "$code" -eq 3 ]; then
  echo "$try"
  exit 0
fi
exit "$code"
