"""The project's layout: three layers, imports only downwards, and page scripts short enough to read.

    app.py + views/   one script per page: layout, text and calls
    dashboard/        what the pages share (state, widgets, figures, links, downloads, runs, sections)
    nn_core/          the lesson in pure NumPy
"""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nn_core

ROOT = Path(__file__).resolve().parents[1]
MAX_PAGE_LINES = 350


def imported_modules(path):
    """The top-level names of every module a Python file imports (import a.b -> "a", from a.b import c -> "a")."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_of_nn_core_imports_streamlit():
    modules = [f"nn_core.{m.name}" for m in pkgutil.iter_modules(nn_core.__path__)]
    assert len(modules) >= 8
    code = f"import sys; import {', '.join(modules)}; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("path", sorted((ROOT / "nn_core").glob("*.py")), ids=lambda p: p.name)
def test_nn_core_imports_nothing_from_the_app(path):
    assert not imported_modules(path) & {"streamlit", "dashboard", "views", "plotly"}


@pytest.mark.parametrize("path", sorted((ROOT / "dashboard").rglob("*.py")), ids=lambda p: p.name)
def test_the_app_package_never_imports_a_page(path):
    assert "views" not in imported_modules(path)


def test_figures_and_runs_hold_no_streamlit():
    assert "streamlit" not in imported_modules(ROOT / "dashboard" / "figures.py")
    assert "streamlit" not in imported_modules(ROOT / "dashboard" / "runs.py")


def test_there_is_no_pages_folder():
    """Streamlit serves a folder named pages/ on its own (a deep link on a fresh server skips app.py)."""
    assert not (ROOT / "pages").exists()


def test_app_py_is_the_only_python_file_at_the_top():
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["app.py"]


def test_every_page_script_is_short():
    pages = sorted((ROOT / "views").glob("*.py"))
    assert len(pages) >= 6
    for page in pages:
        lines = len(page.read_text().splitlines())
        assert lines <= MAX_PAGE_LINES, f"{page.name} has {lines} lines"


def test_no_function_is_defined_in_two_page_scripts():
    defined = {}
    for page in sorted((ROOT / "views").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text())):
            if isinstance(node, ast.FunctionDef):
                defined.setdefault(node.name, set()).add(page.name)
    assert {name: pages for name, pages in defined.items() if len(pages) > 1} == {}
