"""Translatable messages: every sentence a person reads goes through `_()` (gettext).

Catalogs live in `pipeline/locale/<lang>/LC_MESSAGES/sohoa.mo` (Babel extracts and compiles
them). The language is chosen once at an entry point (`SOHOA_LANG` for the CLI, the
`Accept-Language` header for HTTP) with `use_language`; library code only calls `_()`.
Machine-facing values (reason codes, JSON keys) are never translated.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

DOMAIN = "sohoa"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

_current: ContextVar[str] = ContextVar("sohoa_language", default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=8)
def _translations(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def current_language() -> str:
    return _current.get()


def set_language(lang: str) -> None:
    """Set the language for this context (an entry point calls it once)."""
    _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """The message in the current language; the English source text until a catalog has it."""
    return _translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(_current.get()).ngettext(singular, plural, n)
