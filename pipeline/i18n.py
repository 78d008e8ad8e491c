"""Translatable messages: every sentence a person reads goes through `_()` (gettext).

Convention: msgids are English (standard gettext practice); `pipeline/locale/vi/.../sohoa.po`
holds the administrative Vietnamese, `en/.../sohoa.po` is empty unless a msgid is not English.
Placeholders are `{name}`, formatted after translation: `_("{path}: not found").format(...)`.

The catalogs are read from the `.po` files themselves when first needed (compiled in memory by
Babel): a clean clone or a wheel works without a build step, and what the tests check is what
runs. `scripts/i18n.sh` extracts, updates and checks them.

The language is chosen at an entry point: `set_language` once per process for the CLI
(`SOHOA_LANG`), `use_language` per request for HTTP (`Accept-Language`, see `negotiate`).
Library code only calls `_()`. Machine-facing values (reason codes, JSON keys, stored review
reasons) are never translated.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

DOMAIN = "sohoa"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

# The process's language (the CLI sets it once, before its commands are defined) and, for
# HTTP, the request's, which wins inside `use_language`. A ContextVar alone would fall back to
# the default in worker threads that do not copy the context (Prefect's task runner).
_process_language = DEFAULT_LANGUAGE
_current: ContextVar[str | None] = ContextVar("sohoa_language", default=None)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def _translations(lang: str) -> gettext.NullTranslations:
    path = catalog_path(lang)
    if not path.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def normalize(lang: str | None) -> str:
    """`vi`, `vi_VN.UTF-8`, `en-US` → a supported language; anything else → the default."""
    base = re.split(r"[-_.@]", (lang or "").strip().lower(), maxsplit=1)[0]
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """The best supported language of an `Accept-Language` header (q-values respected)."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _sep, params = item.strip().partition(";")
        base = tag.strip().lower().split("-")[0]
        if base not in LANGUAGES:
            continue
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        q -= position * 1e-6  # equal weights: the first listed wins
        if q > best_q:
            best, best_q = base, q
    return best


def current_language() -> str:
    return _current.get() or _process_language


def set_language(lang: str | None) -> None:
    """The language of this process (an entry point calls it once, before building output)."""
    global _process_language
    _process_language = normalize(lang)
    _current.set(None)


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _current.set(normalize(lang))
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """The message in the current language; the English msgid when the catalog lacks it."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(current_language()).ngettext(singular, plural, n)


def install_gettext(env: Any) -> None:
    """Jinja2's i18n extension calling `_()` and `ngettext` at render time (so in the request's
    language); templates write `{{ _("English text").format(name=…) }}`, like the Python code."""
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=False)


def display_date(value: date | datetime | str | None) -> str:
    """A date for a person: dd/mm/yyyy in Vietnamese, ISO in English. Machine output (JSON,
    the API, the index) always keeps ISO and never calls this."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value.date() if isinstance(value, datetime) else value
    return day.strftime("%d/%m/%Y") if current_language() == "vi" else day.isoformat()
