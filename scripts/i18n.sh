#!/usr/bin/env bash
# The translation catalogs in one step, idempotent: run it after adding or changing a message.
#   1. extract every _() / ngettext() from the Python code and the Jinja2 templates into
#      pipeline/locale/sohoa.pot (sorted, without line numbers: small diffs, easy merges);
#   2. update pipeline/locale/{vi,en}/LC_MESSAGES/sohoa.po from it (new msgids appear with an
#      empty msgstr, removed ones are dropped);
#   3. compile each catalog in a temporary folder (syntax check, statistics) and list what is
#      still untranslated. sohoa reads the .po files at run time: no .mo to build or commit.
# Then write the Vietnamese for each empty msgstr in vi/.../sohoa.po and run it again;
# tests/pipeline/test_i18n_catalogs.py fails while one is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
LOCALES=pipeline/locale
POT=$LOCALES/sohoa.pot

"$PYBABEL" -q extract -F babel.cfg --sort-output --no-location --no-wrap \
  --project sohoa --copyright-holder "sohoa contributors" -o "$POT" .
for lang in vi en; do
  po=$LOCALES/$lang/LC_MESSAGES/sohoa.po
  if [ -f "$po" ]; then
    "$PYBABEL" -q update -i "$POT" -d "$LOCALES" -D sohoa -l "$lang" \
      --no-fuzzy-matching --ignore-obsolete --no-wrap
  else
    "$PYBABEL" -q init --no-wrap -i "$POT" -d "$LOCALES" -D sohoa -l "$lang"
  fi
done
# No creation dates in the headers: they would change on every run and conflict on every merge.
sed -i '/^"POT-Creation-Date: /d; /^"PO-Revision-Date: /d' "$POT" "$LOCALES"/*/LC_MESSAGES/sohoa.po
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for lang in vi en; do
  "$PYBABEL" compile -i "$LOCALES/$lang/LC_MESSAGES/sohoa.po" -o "$tmp/$lang.mo" -l "$lang" \
    --statistics
done
.venv/bin/python -m pipeline.i18n_check
