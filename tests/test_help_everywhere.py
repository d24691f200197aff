"""Every control on every page says what it does and what to expect when it moves: a `help` text of at least a
sentence. Checked twice: on the pages as AppTest shows them (page_tour: with a trained network, a drawing,
finished runs and every tab of the Training page open), and in the source, for controls that only appear in
rarer states (full MNIST on the server, a training run in progress).
"""

import ast
from pathlib import Path

import pytest
from page_tour import tour

ROOT = Path(__file__).resolve().parents[1]
MIN_WORDS = 8  # "0 to 9." or "Every entry." name a range or a thing; a sentence says what happens
WIDGETS = {"button", "download_button", "slider", "select_slider", "selectbox", "radio", "toggle", "checkbox",
           "number_input", "text_input", "text_area", "multiselect", "file_uploader", "segmented_control",
           "pills", "color_picker", "date_input", "time_input", "feedback"}
SOURCES = ["app.py", *sorted(p.relative_to(ROOT).as_posix() for folder in ("views", "dashboard")
                             for p in (ROOT / folder).rglob("*.py"))]
PAGES = {"home", "data", "forward", "training", "experiments", "class_page", "draw"}


def test_the_tour_visits_every_page_and_sees_their_controls():
    seen = {view.page for view in tour()}
    assert seen == PAGES
    with_widgets = {view.page for view in tour() if view.widgets}
    assert with_widgets == PAGES - {"home"} or with_widgets == PAGES  # home may end with a question


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_control_on_the_page_has_a_helpful_help_text(page):
    missing = {}
    for view in tour():
        if view.page != page:
            continue
        for kind, key, label, help_text in view.widgets:
            if len(help_text.split()) < MIN_WORDS:
                missing[key or label] = f"{kind} {label!r} (key {key}): help {help_text!r} in {view.state}"
    assert not missing, "controls without a helpful `help`:\n" + "\n".join(missing.values())


def widget_calls(path):
    """(line, widget name, {keyword: its value as a syntax tree}) of every st.<widget>(...) or column.<widget>(...)
    call in a file."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WIDGETS:
            yield node.lineno, node.func.attr, {k.arg: k.value for k in node.keywords}


def written_words(value):
    """The words of a help text written in the source: a string, or an f-string (each {...} counts as a word).
    None for anything else (a name, a call, None), whose text cannot be read here."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return len(value.value.split())
    if isinstance(value, ast.JoinedStr):
        return len("".join(part.value if isinstance(part, ast.Constant) else " x " for part in value.values).split())
    return None


@pytest.mark.parametrize("path", SOURCES)
def test_every_control_in_the_source_passes_help(path):
    """Each control passes help= a text written out in the call, of at least a sentence (not None, not empty)."""
    wrong = []
    for line, name, keywords in widget_calls(path):
        if "help" not in keywords:
            wrong.append(f"{path}:{line} {name}(...) without help=")
            continue
        words = written_words(keywords["help"])
        if words is None:
            wrong.append(f"{path}:{line} {name}(help={ast.unparse(keywords['help'])}): write the text out here")
        elif words < MIN_WORDS:
            wrong.append(f"{path}:{line} {name}(help={ast.unparse(keywords['help'])}): {words} words, "
                         f"fewer than {MIN_WORDS}")
    assert not wrong, "widgets without a helpful help=:\n" + "\n".join(wrong)


def test_the_source_scan_finds_the_controls():
    """The scan above would pass on files it cannot read: make sure it sees the controls it should."""
    names = {name for path in SOURCES for _, name, _ in widget_calls(path)}
    assert {"button", "slider", "select_slider", "selectbox", "radio", "toggle", "number_input", "file_uploader",
            "download_button", "segmented_control"} <= names
