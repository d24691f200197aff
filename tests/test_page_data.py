"""AppTest of views/data/page.py: switching the data, the grid controls, the dev size, uploads and the download.

Every test points state.DATA_DIR at a temporary folder holding the bundled sample (and, for some tests, a small
fake full MNIST), so the outcome does not depend on what the real data folder or MNIST_PATH hold.
"""

import os
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from visitors import csv_of_sample_digits

import nn_core.data
import nn_core.mnist_files
from dashboard import state, widgets

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "views" / "data" / "page.py")
SAMPLE = ROOT / "data" / "mnist_sample.npz"


def write_fake_full_mnist(path, n_train=300, n_test=100):
    """A miniature Keras-style mnist.npz made of sample digits: enough for the page to call it full MNIST."""
    sample = nn_core.mnist_files.load_sample(SAMPLE)
    images = sample.images.reshape(-1, 28, 28)
    np.savez(path, x_train=images[:n_train], y_train=sample.labels[:n_train],
             x_test=images[n_train:n_train + n_test], y_test=sample.labels[n_train:n_train + n_test])
    return path


def run_page():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def in_use(at):
    return at.info[0].value


def grid_labels(at):
    """The captions of the 20-digit grid (the page's first image element holds its 20 pictures)."""
    return list(at.image[0].captions)


def table_shape(at):
    """The shape the page gives for the whole pandas table, as written on the page."""
    line = next(m.value for m in at.markdown if m.value.startswith("`data.shape` is"))
    return line.split("**")[1]


def shapes(at):
    """The table of the real arrays: name -> shape text."""
    table = next(frame.value for frame in at.table if "array" in frame.value.columns)
    return dict(zip(table["array"], table["shape"], strict=True))


def test_page_shows_the_sample_as_a_table_images_and_shapes(data_dir):
    at = run_page()
    assert "Bundled sample: 10,000" in in_use(at)
    assert at.radio(key="data_source_pick").options == ["bundled sample (10,000 digits)"]
    head = next(h.proto.body for h in at.get("html") if "<table>" in h.proto.body)  # data.head(), as HTML
    columns = re.findall(r"<th>([^<]*)</th>", head)
    rows = [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", head) if "<td>" in row]
    assert len(columns) == 785 and len(rows) == 5 and all(len(row) == 785 for row in rows)
    assert columns[:3] == ["label", "pixel0", "pixel1"] and columns[-1] == "pixel783"
    sample = nn_core.mnist_files.load_sample(SAMPLE)
    assert [int(row[0]) for row in rows] == sample.labels[:5].tolist()  # each row: its label, then its pixels
    assert [int(v) for v in rows[2][1:]] == sample.images[2].tolist()
    assert table_shape(at) == "(10,000, 785)"
    # the grid, the enlarged digit, its 784 numbers, the counts per class, the pixel values, the ten averages,
    # X_train[:, 0]
    assert [len(image.captions) for image in at.image] == [20, 1, 1, 1, 1, 10, 1]
    counts = next(image.proto.imgs[0].alt for image in at.image if "number of images of each digit" in
                  image.proto.imgs[0].alt)
    per_class = np.bincount(nn_core.mnist_files.load_sample(SAMPLE).labels, minlength=10)
    assert counts.endswith(", ".join(f"{digit}: {n:,}" for digit, n in enumerate(per_class)))
    assert all(caption.startswith("label ") for caption in grid_labels(at))
    assert shapes(at) == {"X_train": "(784, 9000)", "Y_train": "(9000,)", "X_dev": "(784, 1000)",
                          "Y_dev": "(1000,)"}
    assert any("no separate test set" in m.value for m in at.markdown)
    assert at.button(key="data_get_full").label == "⬇️ Get full MNIST"
    assert not any("def split_dev" in code.value for code in at.code)  # the code is put there when opened
    at.session_state["code_split_dev__as_columns"] = True
    at.run()
    assert any("def split_dev" in code.value for code in at.code)


def test_class_pick_shows_only_that_digit(data_dir):
    at = run_page()
    at.segmented_control(key="data_grid_digit").set_value(3).run()
    assert not at.exception
    assert grid_labels(at) == ["label 3"] * 20
    assert "label 3" in at.selectbox(key="data_enlarged").options[0]


def test_reshuffle_draws_other_digits_and_reruns_keep_them(data_dir):
    at = run_page()
    first = at.image[0].value
    at.number_input(key="data_dev_size").set_value(1200).run()  # any other rerun keeps the same digits
    assert at.image[0].value == first
    at.button(key="data_reshuffle").click().run()
    assert not at.exception
    assert at.image[0].value != first


def test_enlarging_another_digit_changes_the_numbers(data_dir):
    at = run_page()
    caption, numbers = at.image[1].captions[0], at.image[2].value
    at.selectbox(key="data_enlarged").set_value(5).run()
    assert not at.exception
    assert at.image[1].captions[0] != caption and at.image[2].value != numbers


def test_the_tables_of_numbers_are_built_when_opened_or_when_every_table_is_asked_for(data_dir):
    def has(at, column):
        return any(column in frame.value.columns for frame in at.dataframe)

    at = run_page()
    assert not has(at, "how many pixels") and not has(at, "images")  # shut: not built
    at.session_state["data_numbers_charts"] = True  # a visitor opens "The numbers behind these charts"
    at.run()
    assert has(at, "how many pixels") and has(at, "images")
    boxes = {box.label: box.proto.expanded for box in at.expander if "numbers" in box.label}
    assert boxes == {"These 784 numbers as a table": False, "The numbers behind these charts": True}

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state[widgets.ALL_NUMBERS] = True  # the sidebar's "Every table of numbers open"
    at.run()
    boxes = {box.label: box.proto.expanded for box in at.expander if "numbers" in box.label}
    assert boxes == {"These 784 numbers as a table": True, "The numbers behind these charts": True}
    assert has(at, "how many pixels") and len(at.dataframe) == 3  # the three opened
    assert len(at.table) == 3  # section 4's small tables, drawn as plain tables


def test_dev_size_changes_every_shape(data_dir):
    at = run_page()
    at.number_input(key="data_dev_size").set_value(2500).run()
    assert not at.exception
    assert shapes(at)["X_dev"] == "(784, 2500)" and shapes(at)["X_train"] == "(784, 7500)"
    assert any("(784, 2500)" in block.proto.body for block in at.get("html"))  # the preparation's code
    assert any("**2,500 digits are held out" in m.value for m in at.markdown)


def test_switching_between_full_mnist_and_the_sample(data_dir):
    write_fake_full_mnist(data_dir / "mnist.npz")
    at = run_page()
    assert in_use(at).startswith("**In use:** Full MNIST (300 training + 100 test")
    assert at.radio(key="data_source_pick").options == ["full MNIST (300 digits)", "bundled sample (10,000 digits)"]
    assert at.button(key="data_full_in_use").disabled
    assert shapes(at)["X_test"] == "(784, 100)"
    assert any("test set of 100 digits" in m.value for m in at.markdown)

    at.radio(key="data_source_pick").set_value("bundled sample").run()
    assert "Bundled sample" in in_use(at)
    assert table_shape(at) == "(10,000, 785)"
    at.button(key="data_use_full").click().run()
    assert "Full MNIST" in in_use(at)
    assert at.radio(key="data_source_pick").value == "full MNIST"


def test_a_good_csv_upload_becomes_the_data_in_use(data_dir):
    at = run_page()
    at.file_uploader(key="data_csv_upload").set_value(("my_digits.csv", csv_of_sample_digits(50), "text/csv"))
    at.run()
    assert not at.exception and not at.error
    assert "50 labelled digits from my_digits.csv" in in_use(at)
    assert at.session_state[state.SOURCE] == "uploaded CSV"
    assert at.radio(key="data_source_pick").value == "uploaded CSV"
    assert table_shape(at) == "(50, 785)"
    assert at.number_input(key="data_dev_size").value == 5  # 1,000 cannot be held out of 50: a tenth is
    assert shapes(at)["X_dev"] == "(784, 5)" and shapes(at)["X_train"] == "(784, 45)"

    at.radio(key="data_source_pick").set_value("bundled sample").run()  # the upload stays available
    assert "Bundled sample" in in_use(at)
    assert "uploaded CSV (50 digits)" in at.radio(key="data_source_pick").options


def test_a_bad_csv_upload_is_explained_and_the_data_in_use_stays(data_dir):
    at = run_page()
    at.file_uploader(key="data_csv_upload").set_value(("good.csv", csv_of_sample_digits(30), "text/csv")).run()
    bad = b"label,pixel0,pixel1\n5,0,0\n"
    at.file_uploader(key="data_csv_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert "bad.csv" in at.error[0].value and "785 were expected" in at.error[0].value
    assert "30 labelled digits from good.csv" in in_use(at)  # the good upload is still in use
    assert table_shape(at) == "(30, 785)"


def csv_of_one_class(digit, n):
    """A CSV (no header, like mnist_train.csv) of n sample digits that are all `digit`."""
    sample = nn_core.mnist_files.load_sample(SAMPLE)
    rows = np.flatnonzero(sample.labels == digit)[:n]
    return "".join(",".join(map(str, [digit, *sample.images[i]])) + "\n" for i in rows).encode()


def test_small_uploads_without_some_classes_or_with_one_digit_still_work(data_dir):
    at = run_page()
    at.file_uploader(key="data_csv_upload").set_value(("ones.csv", csv_of_one_class(1, 12), "text/csv")).run()
    assert not at.exception and "12 labelled digits" in in_use(at)
    at.segmented_control(key="data_grid_digit").set_value(7).run()
    assert not at.exception
    assert "There is no digit 7" in at.warning[0].value
    assert shapes(at)["X_train"] == "(784, 11)"  # the rest of the page still runs: 1 dev digit, 11 to train
    at.segmented_control(key="data_grid_digit").set_value(1).run()
    assert grid_labels(at)[:12] == ["label 1"] * 12

    at.file_uploader(key="data_csv_upload").set_value(("one.csv", csv_of_one_class(4, 1), "text/csv")).run()
    assert not at.exception
    assert "1 labelled digits" in in_use(at)
    assert "at least two" in at.error[0].value


def dead_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again at once: nothing listens there


def test_download_without_internet_says_so_and_keeps_the_sample(data_dir, monkeypatch, tmp_path):
    real_download = nn_core.mnist_files.download_mnist
    dead = f"http://127.0.0.1:{dead_port()}/mnist.npz"
    monkeypatch.setattr(nn_core.mnist_files, "download_mnist",
                        lambda dest, progress=None: real_download(dest, progress, mirrors=(dead,), timeout=5))
    at = run_page()
    at.button(key="data_get_full").click().run()
    assert not at.exception
    assert "Could not get the full MNIST. No internet connection" in at.error[0].value
    assert "Bundled sample" in in_use(at)
    assert not (data_dir / "mnist.npz").exists()
    assert not at.button(key="data_get_full").disabled  # the button is still there to try again


def test_a_successful_download_switches_to_full_mnist(data_dir, monkeypatch):
    def fake_download(dest, progress=None):
        progress(0, 1000)
        progress(1000, 1000)
        return write_fake_full_mnist(dest)

    monkeypatch.setattr(nn_core.mnist_files, "download_mnist", fake_download)
    at = run_page()
    at.button(key="data_get_full").click().run()
    assert not at.exception
    assert "Now in use: Full MNIST" in at.success[0].value
    assert "Full MNIST (300 training + 100 test" in in_use(at)
    assert at.button(key="data_full_in_use").disabled


@pytest.mark.full_mnist
@pytest.mark.skipif(not os.environ.get("MNIST_PATH"), reason="set MNIST_PATH to the full mnist.npz")
def test_the_page_runs_on_the_real_full_mnist(monkeypatch):
    state.shared_sources.clear()
    try:
        at = run_page()
        assert "Full MNIST (60,000 training + 10,000 test" in in_use(at)
        assert table_shape(at) == "(60,000, 785)"
        assert shapes(at)["X_train"] == "(784, 59000)" and shapes(at)["X_test"] == "(784, 10000)"
    finally:
        state.shared_sources.clear()
        state._shared_split.clear()


def contrast(foreground, background):
    """The WCAG contrast ratio of two colours written #rrggbb."""
    def luminance(colour):
        channels = [int(colour[k:k + 2], 16) / 255 for k in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_notebooks_code_is_shown_coloured_in_plain_html_word_for_word(data_dir):
    import html
    import re

    source = 'data_dev = data[:1000].T   # (1000, 785)\nfor j in range(3):\n    y = "a" if j else 2.5\n'
    coloured = widgets.python_html(source)
    assert html.unescape(re.sub(r"<[^>]+>", "", coloured)) == source  # every character kept, in order
    for kind, word in (("comment", "# (1000, 785)"), ("number", "1000"), ("keyword", "for"), ("string", '"a"')):
        assert f'<span style="color:{widgets.CODE_COLOURS[kind]}">{html.escape(word)}</span>' in coloured
    assert all(contrast(colour, "#f0f2f6") >= 4.5 for colour in widgets.CODE_COLOURS.values())  # WCAG AA

    at = run_page()
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", h.proto.body)) for h in at.get("html") if "<pre" in h.proto.body]
    assert any('data = pd.read_csv("train.csv")' in block and "# (10000, 785)" in block for block in blocks)
    assert any("X_train = data_train[1:] / 255." in block and "# (784, 9000)" in block for block in blocks)
