"""Project hygiene: nn_core stays pure NumPy, and the code passes the linter."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_importing_nn_core_leaves_streamlit_unimported():
    code = "import sys, nn_core, nn_core.data, nn_core.preprocessing; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_nn_core_source_never_mentions_streamlit_or_print():
    for path in (ROOT / "nn_core").glob("*.py"):
        text = path.read_text()
        assert "import streamlit" not in text, path
        assert "print(" not in text, path


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install -r requirements-dev.txt)")
def test_ruff_finds_nothing():
    out = subprocess.run(["ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
