"""The environment for a `sohoa` (or Prefect) subprocess a test starts."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def clean_env(*, keep_prefect: bool = False) -> dict[str, str]:
    """This process's environment without the caller's sohoa and Prefect settings.

    SOHOA_LANG is kept: the suite asserts English (tests/conftest.py), while a clerk's
    default is Vietnamese."""
    dropped = ("SOHOA_",) if keep_prefect else ("SOHOA_", "PREFECT_")
    return {k: v for k, v in os.environ.items()
            if not k.startswith(dropped) or k == "SOHOA_LANG"}


def screenshot_folder() -> Path:
    """Where browser tests save their pictures: a temporary folder, so a test run leaves the
    checkout as it was; `SOHOA_SCREENSHOTS=docs` refreshes the README's pictures."""
    folder = Path(os.environ.get("SOHOA_SCREENSHOTS") or
                  Path(tempfile.gettempdir()) / "sohoa-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
