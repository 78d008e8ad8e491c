"""Settings of the web pages (`SOHOA_WEB_*`), read once per process."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_WEB_", frozen=True, extra="ignore")

    session_hours: float = Field(default=10.0, gt=0, le=24 * 30,
                                 description="how long a login lasts (one working day)")
    secure_cookie: bool = Field(default=False,
                                description="send the session cookie over HTTPS only (set it "
                                            "behind a TLS proxy)")
    login_attempts_per_minute: int = Field(default=20, ge=1,
                                           description="per user name and per worker process: "
                                                       "slows down password guessing")
    page_width: int = Field(default=1000, ge=200, le=3000,
                            description="width in pixels of a rendered page image")
