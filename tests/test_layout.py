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

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 500


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


@pytest.mark.parametrize("package", ["nn_core", "training_runs", "board_store"])
def test_the_packages_that_run_without_a_screen_never_load_streamlit(package):
    modules = [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(ROOT / package)])]
    assert len(modules) >= 4
    code = f"import sys; import {', '.join(modules)}; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("path", sorted((ROOT / "nn_core").glob("*.py")), ids=lambda p: p.name)
def test_nn_core_imports_nothing_from_the_app(path):
    assert not imported_modules(path) & {"streamlit", "dashboard", "views", "plotly", "training_runs", "board_store"}


@pytest.mark.parametrize("path", sorted([*(ROOT / "training_runs").glob("*.py"), *(ROOT / "board_store").glob("*.py")]),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_training_and_the_board_store_import_neither_the_pages_nor_the_app_package(path):
    assert not imported_modules(path) & {"streamlit", "dashboard", "views", "plotly", "pandas"}


@pytest.mark.parametrize("path", sorted((ROOT / "dashboard").rglob("*.py")), ids=lambda p: p.name)
def test_the_app_package_never_imports_a_page(path):
    assert "views" not in imported_modules(path)


def test_figures_hold_no_streamlit():
    assert "streamlit" not in imported_modules(ROOT / "dashboard" / "figures.py")


def test_there_is_no_pages_folder():
    """Streamlit serves a folder named pages/ on its own (a deep link on a fresh server skips app.py)."""
    assert not (ROOT / "pages").exists()


def test_app_py_is_the_only_python_file_at_the_top():
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["app.py"]


def product_modules():
    """Every Python module of the app: app.py, the pages, the app package, training, the board's store, nn_core."""
    folders = ("views", "dashboard", "training_runs", "board_store", "nn_core")
    return [ROOT / "app.py", *sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))]


def test_no_module_is_over_500_lines():
    lines = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in product_modules()}
    assert {name: count for name, count in lines.items() if count > MAX_MODULE_LINES} == {}


def test_no_function_is_defined_in_two_page_scripts():
    defined = {}
    for page in sorted((ROOT / "views").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text())):
            if isinstance(node, ast.FunctionDef):
                defined.setdefault(node.name, set()).add(page.name)
    assert {name: pages for name, pages in defined.items() if len(pages) > 1} == {}
