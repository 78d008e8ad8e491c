"""Settings of the HTTP service (`SOHOA_API_*`), read once per process."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_API_", frozen=True, extra="ignore")

    presign_ttl_s: int = Field(default=300, ge=1, le=7 * 24 * 3600,
                               description="lifetime of a download URL of a signed PDF")
    rate_limit_per_minute: int = Field(default=1200, ge=1,
                                       description="per client and per worker process, unless "
                                                   "the client has its own limit")
    auth_cache_s: float = Field(default=5.0, ge=0,
                                description="how long a checked key is trusted without asking "
                                            "the index again (a revocation takes this long)")
    max_page_size: int = Field(default=100, ge=1, le=1000)
    migrate_on_start: bool = True  # `sohoa serve` migrates once before starting its workers
