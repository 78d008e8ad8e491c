"""sohoa's entry points: the `sohoa` command (Typer), and the HTTP API and web pages.

They compose `pipeline`, `flows` and the leaf packages; nothing imports them.
"""

from __future__ import annotations
