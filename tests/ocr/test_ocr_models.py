from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from ocr import models
from ocr.errors import OcrError


def _tarball(path: Path, model: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        data = gzip.compress(model)
        info = tarfile.TarInfo(models.MODEL_MEMBER)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_installs_model_with_support_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = b"fake traineddata"
    monkeypatch.setattr(models, "MODEL_SHA256", hashlib.sha256(model).hexdigest())
    folder = models.install_best_vie(_tarball(tmp_path / "vie.tgz", model), tmp_path / "data")
    assert folder == tmp_path / "data" / "tessdata"
    assert (folder / "vie.traineddata").read_bytes() == model
    for name in ("configs", "tessconfigs", "pdf.ttf", "Vietnamese.traineddata", "osd.traineddata"):
        assert (folder / name).exists()
    # Idempotent.
    assert models.install_best_vie(tmp_path / "vie.tgz", tmp_path / "data") == folder


def test_wrong_model_refused(tmp_path: Path) -> None:
    with pytest.raises(OcrError) as info:
        models.install_best_vie(_tarball(tmp_path / "vie.tgz", b"other"), tmp_path / "data")
    assert info.value.code == "MODEL_INSTALL_FAILED"
    assert not (tmp_path / "data" / "tessdata" / "vie.traineddata").exists()


def test_not_a_tarball_refused(tmp_path: Path) -> None:
    bad = tmp_path / "vie.tgz"
    bad.write_bytes(b"not a tarball")
    with pytest.raises(OcrError) as info:
        models.install_best_vie(bad, tmp_path / "data")
    assert info.value.code == "MODEL_INSTALL_FAILED"
