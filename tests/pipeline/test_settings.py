from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigurationError
from pipeline.settings import load_settings


def test_precedence_override_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "sohoa.toml"
    config.write_text('agency_code = "000.00.00.FILE"\nagency_name = "Sở A"\n'
                      'review_threshold = 0.7\n', "utf-8")
    monkeypatch.setenv("SOHOA_AGENCY_NAME", "Sở B")
    settings = load_settings(config, agency_code="000.17.22.H56")
    assert settings.agency_code == "000.17.22.H56"  # explicit override wins
    assert settings.agency_name == "Sở B"  # environment beats the file
    assert settings.review_threshold == 0.7  # the file beats defaults
    assert load_settings().review_threshold == 0.8  # the file applied to that call only


def test_defaults_are_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.index_url == f"sqlite:///{tmp_path / 'index.sqlite3'}"
    assert settings.s3_endpoint is None and settings.uses_test_pki
    assert settings.effective_signing_level == "B-B"
    assert load_settings(tsa_url="http://127.0.0.1:1/tsa").effective_signing_level == "B-LT"


def test_bad_values_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="signing_level"):
        load_settings(signing_level="B-X")
    with pytest.raises(ConfigurationError, match="not found"):
        load_settings(tmp_path / "missing.toml")
