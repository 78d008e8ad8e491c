#!/usr/bin/env bash
# Install everything sohoa and its tests need, idempotently: Debian packages (only those missing),
# the project and its pinned dependencies in .venv, and the OCR models. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-script-viet  # OCR engine + Vietnamese models
  poppler-utils qpdf unpaper                                  # pdftotext/pdfsig/pdftoppm, qpdf; unpaper for bench/ocr.py
  softhsm2 libnss3-tools                                      # PKCS#11 token tests, pdfsig trust store
  fonts-noto-core fonts-liberation2 fonts-dejavu-core         # stamp font, sample rendering
  postgresql                                                  # binaries for the throwaway test server
  chromium                                                    # tests/web: the dashboard in a real headless browser
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.sohoa-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing sohoa and its pinned dependencies into .venv"
  # pip's output (mirror notes, setuptools warnings) goes to a log, shown only on failure
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install -q --upgrade pip \
         && .venv/bin/python -m pip install -q -e ".[dev]"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "pip install failed (log: $log)" >&2
    exit 1
  fi
  .venv/bin/python -c "import prefect, pyhanko, minio, cv2, sqlmodel" \
    || { echo "Python dependencies failed to install" >&2; exit 1; }
  echo "$want" > "$stamp"
fi

if [ -x scripts/install-models.sh ]; then
  bash scripts/install-models.sh
fi
echo "==> setup complete"
