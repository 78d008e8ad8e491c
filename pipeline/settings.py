"""Typed settings, read once at an entry point (CLI, flow, API) and passed down frozen.

Sources, highest first: explicit overrides, environment variables with the `SOHOA_` prefix, a TOML
config file (`--config` or `SOHOA_CONFIG`), defaults. Nothing here runs at import time.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from pipeline.errors import ConfigurationError
from pipeline.i18n import _

SIGNATURE_LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
# The --config file for the Settings being built (explicit, not via the process environment).
_config_file: ContextVar[Path | None] = ContextVar("sohoa_config_file", default=None)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOHOA_", frozen=True, extra="ignore")

    data_dir: Path = Field(default=Path(".sohoa"), description="embedded S3 data, SQLite index, "
                           "test PKI, quarantine and Prefect home live here")

    # S3: unset endpoint → embedded SeaweedFS server under data_dir/s3
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_secure: bool = False
    s3_region: str | None = None
    bucket_originals: str = "sohoa-originals"
    bucket_signed: str = "sohoa-signed"
    bucket_records: str = "sohoa-records"
    bucket_quarantine: str = "sohoa-quarantine"
    bucket_reports: str = "sohoa-reports"
    # The S3 inbox (issue 12): scanners drop files under inbox/<agency>/<batch>/; processed
    # originals move to archive/, rejected ones to quarantine/ with <name>.reason.json beside.
    bucket_inbox: str = "sohoa-inbox"

    # Archive storage (issue 9): object lock on originals and signed copies. Retention in days
    # per document type (upper-case type name → days; "permanent" results get a legal hold).
    object_lock: bool = True
    retention_mode: str = "GOVERNANCE"  # or COMPLIANCE (not even an administrator may delete)
    retention_days_default: float = 3650.0
    retention_days_by_type: dict[str, float] = Field(default_factory=dict)
    # A process's claim on a file it is digitizing; a crashed process's claim lapses after this.
    claim_lease_s: float = 120.0
    # Below this much free space in the data folder a batch does not start (embedded S3/SQLite).
    min_free_mb: int = 500
    # How long a transient fault (S3 server, index database or TSA not answering) is retried,
    # with backoff, before the document (TSA) or the batch (S3, database) gives up.
    retry_budget_s: float = 60.0

    # Index: unset → SQLite file data_dir/index.sqlite3
    database_url: str | None = None

    # Who digitizes
    agency_code: str | None = None  # unit code, e.g. 000.17.22.H56
    agency_name: str = "Cơ quan số hóa (thử nghiệm)"
    procedure_code: str | None = None
    clerk: str = Field(default_factory=lambda: os.environ.get("USER") or "clerk")

    # Signing: PKCS#12 file, or PKCS#11 token; neither → local TEST PKI in data_dir/test-pki
    signing_p12_path: Path | None = None
    signing_p12_passphrase: SecretStr | None = None
    signing_pkcs11_module: Path | None = None
    signing_pkcs11_token_label: str | None = None
    signing_pkcs11_key_label: str | None = None
    signing_pkcs11_pin: SecretStr | None = None
    signing_level: str | None = None  # default: B-LT with a TSA configured, else B-B
    signing_visible_stamp: bool = True
    tsa_url: str | None = None
    tsa_username: str | None = None
    tsa_password: SecretStr | None = None
    trust_roots: tuple[Path, ...] = ()
    crl_files: tuple[Path, ...] = ()  # local CRLs (offline agencies), for signing and verifying
    revocation_fetching: bool = True  # fetch CRL/OCSP named in certificates (B-LT, verify)

    # OCR
    ocr_languages: str = "vie+Vietnamese"
    ocr_tessdata_dir: Path | None = None
    ocr_jobs: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    ocr_page_timeout_s: float = 180.0
    ocr_min_confidence: float = 60.0

    # Extraction / review
    review_threshold: float = 0.8

    # Record identifiers (DOMAIN.md), str.format templates, configurable per agency
    result_code_format: str = "KQ.{unit}.{seq:06d}"
    digitized_id_format: str = "{owner_id}.{result_code}.{doc_number}.{seq:02d}"

    # Batch
    documents_in_parallel: int = 2

    # Observability: "json" writes the log file as JSON lines carrying batch and document ids
    log_format: str = "text"

    # Scale-out on Prefect workers (issue 12): a batch of the inbox is fanned out to the
    # digitize-document deployment, at most `inbox_in_flight` runs at a time; a run a worker
    # took that has not ended `inbox_document_timeout_s` later (its worker died, or it hangs) is
    # reported and cancelled, its file left in the inbox for the next run. `worker_name` is set
    # by `sohoa worker start` for its flow runs.
    inbox_in_flight: int = 4
    inbox_document_timeout_s: float = 1800.0
    inbox_deployment: str = "sohoa-digitize-document/digitize-document"
    worker_name: str | None = None
    # Prefect global concurrency limits held around OCR and signing (created by the operator
    # with `prefect gcl create`; a limit that does not exist does not limit).
    limit_ocr: str = "sohoa-tesseract"
    limit_signing: str = "sohoa-signing"

    @field_validator("signing_level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is not None and value.upper() not in SIGNATURE_LEVELS:
            raise ValueError(f"signing_level must be one of {', '.join(SIGNATURE_LEVELS)}")
        return value.upper() if value else None

    @field_validator("log_format")
    @classmethod
    def _known_log_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("log_format must be text or json")
        return value.lower()

    @field_validator("retention_mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        if value.upper() not in ("GOVERNANCE", "COMPLIANCE"):
            raise ValueError("retention_mode must be GOVERNANCE or COMPLIANCE")
        return value.upper()

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = _config_file.get() or os.environ.get("SOHOA_CONFIG")
        if config:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config)))
        return tuple(sources)

    # Derived values
    @property
    def data_path(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def index_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'index.sqlite3'}"

    @property
    def effective_signing_level(self) -> str:
        return self.signing_level or ("B-LT" if self.tsa_url else "B-B")

    @property
    def uses_test_pki(self) -> bool:
        return self.signing_p12_path is None and self.signing_pkcs11_module is None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings once: overrides (None values ignored) > environment > config file."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    if config_file is not None and not config_file.is_file():
        raise ConfigurationError(_("config file {path} not found").format(path=config_file))
    token = _config_file.set(config_file)
    try:
        return Settings(**clean)
    except ValidationError as e:
        raise ConfigurationError(_("invalid settings: {errors}").format(errors=e)) from e
    finally:
        _config_file.reset(token)
