"""The web pages under `/ui/`: server-rendered (Jinja2), in Vietnamese, no asset from a CDN.

`install_web(app)` mounts them on the API's app; they share its process state (index, S3 client,
trust settings) and have error pages of their own (HTML, not problem+json).
"""

from __future__ import annotations

from sohoa.web.app import install_web

__all__ = ["install_web"]
