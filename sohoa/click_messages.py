"""Typer's own words in `--help` and its errors ("Options", "[required]"…) in the CLI's language.

Typer looks its few fixed texts up with `gettext.gettext`, the process-wide "messages" domain,
which sohoa does not use. The entry point points their module-level `_` at
sohoa's catalog instead (`translate_click`); the msgids are theirs, listed below with `_()` so
that `scripts/i18n.sh` extracts them. A text not listed stays in English.
"""

from __future__ import annotations

import importlib

from pipeline.i18n import _

# Typer vendors Click (typer._click) with its texts hard-coded in English ("Usage:", "Show
# this message and exit."): only the texts Typer itself looks up can be translated.
CLICK_MODULES = ("typer.core", "typer.rich_utils")


def _click_msgids() -> tuple[str, ...]:  # never called: marks Typer's texts for extraction
    return (
        _("Options"), _("Commands"), _("Arguments"), _("required"), _("default: {default}"),
        _("env var: {var}"), _("Missing command."), _("No such command {name!r}."),
        _("Aborted!"), _("Aborted."), _("Error"), _("(deprecated) "), _("(dynamic)"),
    )


def translate_click() -> None:
    """Make Typer translate through sohoa's catalog (call once, at the entry point)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
