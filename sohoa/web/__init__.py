"""The web pages under `/ui/`: server-rendered (Jinja2), in Vietnamese, no asset from a CDN.

`install_web(app)` mounts them on the API's app; they share its process state (index, S3 client,
trust settings) and have error pages of their own (HTML, not problem+json).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sohoa.web.settings import WebSettings


def install_web(app: FastAPI, settings: WebSettings | None = None) -> None:
    """Mount the pages at /ui on the API's app (imported here, on use: the pages import the
    API's state, so importing them with this package would run in a circle)."""
    from sohoa.web.app import install_web as mount

    mount(app, settings)


__all__ = ["install_web"]
