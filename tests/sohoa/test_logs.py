"""Log records and Python warnings go to the data folder's log file, not to the terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import logging, sys, warnings
from pathlib import Path
from PIL import Image
from pipeline.logs import configure_logging
data = Path(sys.argv[1])
configure_logging(data / "elsewhere")
configure_logging(data)  # a config file moved the data folder: the log follows
logging.getLogger("pyhanko.sign.validation").warning("Failed to build path", exc_info=(
    ValueError, ValueError("no issuer"), None))
warnings.warn("Image size (169000000 pixels) exceeds limit", Image.DecompressionBombWarning)
print("summary only")
"""


def test_library_noise_goes_to_the_log_file(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "summary only\n"
    assert result.stderr == ""
    log = (tmp_path / "logs" / "sohoa.log").read_text("utf-8")
    assert "Failed to build path" in log and "ValueError: no issuer" in log
    assert "DecompressionBombWarning" in log
    assert not (tmp_path / "elsewhere" / "logs" / "sohoa.log").exists()


def test_a_command_without_logs_leaves_no_folder(tmp_path: Path) -> None:
    script = ("import sys; from pathlib import Path; from pipeline.logs import "
              "configure_logging; configure_logging(Path(sys.argv[1]))")
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT, check=True,
                   timeout=60)
    assert not (tmp_path / "logs").exists()
