"""Write the API's OpenAPI 3 description: `python -m sohoa.api.openapi > docs/openapi.json`.

The committed `docs/openapi.json` is what integrators read; a test fails when it is stale.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.settings import Settings
from sohoa.api.app import create_app
from sohoa.api.settings import ApiSettings


def openapi_document() -> dict[str, Any]:
    # Default settings: nothing is opened (services start in the app's lifespan only).
    return create_app(Settings(), ApiSettings()).openapi()


def render() -> str:
    return json.dumps(openapi_document(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
