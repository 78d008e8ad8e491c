"""The reuse service's HTTP API (FastAPI): `create_app` builds it, `sohoa serve` runs it."""

from __future__ import annotations

from sohoa.api.app import create_app

__all__ = ["create_app"]
