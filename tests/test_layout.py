"""The project's layout: four layers, imports only downwards, every page in one folder, and a code map that names
every module.

    app.py                        routes: one st.Page per page folder
    views/<page>/                 a page: its script (page.py) and the parts only that page uses
    dashboard/                    what two or more pages share (state, widgets, pictures, charts, links, ...)
    training_runs/, board_store/  what runs without a screen: the training workers, the class board's store
    nn_core/                      the lesson in pure NumPy
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 500
SCREENLESS = ("training_runs", "board_store", "nn_core")
PAGES = sorted(p.parent.name for p in (ROOT / "views").glob("*/page.py"))


def imports_of(path):
    """The full names of every module a Python file imports (import a.b -> "a.b", from a.b import c -> "a.b.c"
    and "a.b", since c may be a module or a name in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def top_levels(path):
    return {name.split(".")[0] for name in imports_of(path)}


def modules_in(*folders):
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def product_modules():
    """Every Python module of the app: app.py, the pages, the app package, training, the board's store, nn_core."""
    return [ROOT / "app.py", *modules_in("views", "dashboard", *SCREENLESS)]


def test_the_pages_are_the_seven_of_the_lesson():
    assert PAGES == ["class_page", "data", "draw", "experiments", "forward", "home", "training"]


@pytest.mark.parametrize("package", SCREENLESS)
def test_the_packages_that_run_without_a_screen_never_load_streamlit(package):
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in modules_in(package)
               if p.name != "__init__.py"]
    assert len(modules) >= 4
    code = f"import sys; import {', '.join(modules)}; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("path", modules_in("nn_core"), ids=lambda p: p.name)
def test_nn_core_imports_nothing_from_the_app(path):
    assert not top_levels(path) & {"streamlit", "plotly", "dashboard", "views", "training_runs", "board_store"}


@pytest.mark.parametrize("path", modules_in("training_runs", "board_store"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_training_and_the_board_store_import_neither_the_pages_nor_the_app_package(path):
    assert not top_levels(path) & {"streamlit", "plotly", "pandas", "dashboard", "views"}


@pytest.mark.parametrize("path", modules_in("dashboard"), ids=lambda p: p.name)
def test_the_app_package_never_imports_a_page(path):
    assert "views" not in top_levels(path)


@pytest.mark.parametrize("name", ["colours", "pictures", "network_drawing", "plotly_charts", "tables"])
def test_the_picture_and_chart_builders_hold_no_streamlit(name):
    """They build and return; the pages (through widgets) draw."""
    assert "streamlit" not in top_levels(ROOT / "dashboard" / f"{name}.py")


@pytest.mark.parametrize("page", PAGES)
def test_a_page_imports_no_other_page(page):
    for path in modules_in(f"views/{page}"):
        others = {name.split(".")[1] for name in imports_of(path) if name.startswith("views.")} - {page}
        assert not others, f"{path.relative_to(ROOT)} imports the page(s) {others}"


def pages_using(module):
    """The pages whose folder imports `module` (dashboard.x), directly or through other modules of dashboard/.
    What app.py imports runs above every page (the teacher's question to the room): every page uses it."""
    users = {}
    for path in [*modules_in("views", "dashboard"), ROOT / "app.py"]:
        importer = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for name in imports_of(path):
            users.setdefault(name, set()).add(importer)
    pages, seen, todo = set(), set(), [module]
    while todo:
        current = todo.pop()
        for importer in users.get(current, ()):
            if importer == "app":
                pages.update(folder.name for folder in (ROOT / "views").iterdir() if (folder / "page.py").exists())
            elif importer.startswith("views."):
                pages.add(importer.split(".")[1])
            elif importer not in seen:
                seen.add(importer)
                todo.append(importer)
    return pages


@pytest.mark.parametrize("path", [p for p in modules_in("dashboard") if p.name != "__init__.py"], ids=lambda p: p.name)
def test_the_app_package_holds_only_what_two_or_more_pages_share(path):
    assert len(pages_using(f"dashboard.{path.stem}")) >= 2


def test_every_page_folder_is_routed_by_app_py_at_its_own_address():
    routed = re.findall(r'st\.Page\("views/(\w+)/page\.py".*?\)', (ROOT / "app.py").read_text())
    assert sorted(routed) == PAGES
    addresses = re.findall(r'url_path="(\w+)"', (ROOT / "app.py").read_text())
    assert sorted(addresses) == ["class", "data", "draw", "experiments", "forward", "training"]  # home is "/"


def test_there_is_no_pages_folder():
    """Streamlit serves a folder named pages/ on its own (a deep link on a fresh server skips app.py)."""
    assert not (ROOT / "pages").exists()


def test_app_py_is_the_only_python_file_at_the_top():
    assert sorted(p.name for p in ROOT.glob("*.py")) == ["app.py"]


def test_no_module_is_over_500_lines():
    lines = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines()) for p in product_modules()}
    assert {name: count for name, count in lines.items() if count > MAX_MODULE_LINES} == {}


def test_no_function_is_defined_in_two_pages():
    defined = {}
    for path in modules_in("views"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.col_offset == 0:
                defined.setdefault(node.name, set()).add(path.parent.name)
    assert {name: pages for name, pages in defined.items() if len(pages) > 1} == {}


def fragment_calls(path):
    """The functions of a Python file that call st.fragment, once for each call ("<module>" outside a function)."""
    callers = []
    def visit(node, function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fragment" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "st":
            callers.append(function)
        for child in ast.iter_child_nodes(node):
            visit(child, child.name if isinstance(child, ast.FunctionDef) else function)
    visit(ast.parse(path.read_text()), "<module>")
    return callers


def test_every_live_part_is_placed_by_widgets_live_part_in_a_container_of_its_own():
    """A fragment placed straight on the page can lose its place in the browser (widgets.live_part says how), and
    the tab then goes blank: every page places its fragments through live_part."""
    calls = {p.relative_to(ROOT).as_posix(): fragment_calls(p) for p in product_modules()}
    assert {name: callers for name, callers in calls.items() if callers} == {"dashboard/widgets.py": ["live_part"]}


def code_map():
    """The paths the README's "The code" names: its tree, one entry a line ("name  what it is"), each level
    indented two spaces deeper, folders ending in "/"."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## The code\n", 1)[1].split("\n## ", 1)[0]
    tree = section.split("```\n", 2)[1]
    paths, folders = set(), []
    for line in tree.splitlines():
        entry = re.match(r"^( {0,8})([\w.]+/?)(?: {2,}|$)", line)
        if not entry or len(entry.group(1)) % 2:
            continue  # a description carried over to the next line
        depth, name = len(entry.group(1)) // 2, entry.group(2)
        folders[depth:] = [name] if name.endswith("/") else []
        if name.endswith(".py"):
            paths.add("".join(folders[:depth]) + name)
    return paths


def test_the_readme_code_map_names_every_module_and_only_modules_that_exist():
    named = code_map()
    modules = {p.relative_to(ROOT).as_posix() for p in product_modules() if p.name != "__init__.py"}
    assert modules - named == set(), "modules missing from the README's code map"
    assert {p for p in named if not (ROOT / p).exists()} == set(), "the code map names modules that are gone"
