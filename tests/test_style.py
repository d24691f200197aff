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


def test_ruff_finds_nothing():
    """ruff, from requirements-dev.txt, run as a module of the Python running the tests: whatever the PATH holds,
    the linter runs, and a missing ruff is a failure, not a skip."""
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                         text=True)  # (no .ruff_cache/ left in the project)
    if "No module named ruff" in out.stderr:
        on_path = shutil.which("ruff")
        pytest.fail(f"ruff is not installed for {sys.executable}: pip install -r requirements-dev.txt"
                    + (f" (the ruff on the PATH, {on_path}, belongs to another Python)" if on_path else ""))
    assert out.returncode == 0, out.stdout + out.stderr
