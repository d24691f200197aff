"""Every bad input a person can give, through the real pages: a clear message, never a traceback, nothing lost.

One table per kind of input. Each row gives the input and words the message must contain; each test checks
that the page raised nothing, showed an error saying what is wrong, and kept what was there before (the
data in use, the visitor's network, the files in the data folder). The pages run inside the whole app
(app.py), one AppTest per visitor, so a visitor can move between pages as in a browser.
"""

import base64
import http.server
import io
import json
import pickle
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest
from visitors import CSV_HEADER, Visitor, csv_of_sample_digits, only_the_sample

import nn_core.data
import nn_core.mnist_files
from dashboard import state
from nn_core.persistence import save_model
from nn_core.training import NOTEBOOK, new_network

ROOT = Path(__file__).resolve().parents[1]
SAVE_LOAD_TAB = "💾 Save / load"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A data folder with only the bundled sample, for the whole module (it replaces conftest's, per test)."""
    with pytest.MonkeyPatch.context() as patch, \
            only_the_sample(tmp_path_factory.mktemp("bad_inputs") / "data", patch) as folder:
        yield folder


# ---------------------------------------------------------------------------------------------------------
# Uploaded CSV files (🔢 The data)
# ---------------------------------------------------------------------------------------------------------


def csv_line(label=5, **pixels):
    """One CSV line: a label, then 784 pixels, all 0 except those given as pixel<k>=value."""
    values = [0] * 784
    for name, value in pixels.items():
        values[int(name.removeprefix("pixel"))] = value
    return ",".join(map(str, [label, *values]))


BAD_CSVS = {  # name: (the file's bytes, words the message must contain)
    "empty": (b"", "The file is empty"),
    "header only": (CSV_HEADER.encode() + b"\n", "header line but no digits"),
    "wrong column count": (b"5,0,0\n", "Line 1 has 3 columns, but 785 were expected"),
    "text in a number column": (f"{CSV_HEADER}\n{csv_line(pixel3='abc')}\n".encode(),
                                "Line 2, column 5 (pixel3): found 'abc', but a number was expected"),
    "pixel above 255": (f"{csv_line(pixel100=256)}\n".encode(), "pixels go from 0 (black) to 255 (white)"),
    "negative pixel": (f"{csv_line(pixel100=-1)}\n".encode(), "pixels go from 0 (black) to 255 (white)"),
    "pixel not whole": (f"{csv_line(pixel7=12.5)}\n".encode(), "must be whole numbers"),
    "label out of 0..9": (f"{csv_line(label=12)}\n".encode(), "a label is a digit from 0 to 9"),
    "NaN in a pixel": (f"{csv_line(pixel9='NaN')}\n".encode(), "column 11 (pixel9) is empty"),
    "binary file": (b"\x89PNG\r\n\x1a\n" + bytes(500), "not a CSV text file"),
    "semicolons": (f"{csv_line()}\n".replace(",", ";").encode(), "separated by ';' or tabs"),
    "no label column": ((",".join(f"pixel{k}" for k in range(784)) + "\n" + ",".join(["0"] * 784) + "\n").encode(),
                        "no label column"),
    # 200 MB of zero bytes: bytes(n) is backed by untouched zero pages, so it costs no real memory
    "200 MB file": (bytes(200_000_000), "over the 100 MB limit"),
}


@pytest.fixture(scope="module")
def data_page(data_dir):
    """The data page after a good upload of 30 digits: what every bad upload must leave in use."""
    visitor = Visitor("data")
    visitor.upload("data_csv_upload", "good.csv", csv_of_sample_digits(30), "text/csv")
    assert "30 labelled digits from good.csv" in visitor.at.info[0].value
    return visitor


@pytest.mark.parametrize("case", list(BAD_CSVS))
def test_a_bad_csv_is_explained_and_the_data_in_use_stays(data_page, case):
    content, words = BAD_CSVS[case]
    data_page.upload("data_csv_upload", f"{case}.csv", content, "text/csv")
    message = data_page.errors()[0]
    assert f"**{case}.csv** could not be used" in message and words in message
    assert "has not changed: 30 labelled digits from good.csv" in message
    assert "30 labelled digits from good.csv" in data_page.at.info[0].value  # still in use
    assert data_page.state[state.SOURCE] == "uploaded CSV" and len(data_page.state[state.UPLOADED].labels) == 30


# ---------------------------------------------------------------------------------------------------------
# Network files (📉 Training, Save / load)
# ---------------------------------------------------------------------------------------------------------


def npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def zip_of(name, text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def hyperparams_entry(**changes):
    return np.array(json.dumps({**NOTEBOOK.as_dict(), **changes}))


PARAMS = new_network(NOTEBOOK)
GOOD_FILE = save_model(PARAMS, NOTEBOOK)
BAD_NETWORKS = {  # name: (the file's bytes, words the message must contain)
    "a pickle": (pickle.dumps(PARAMS), "not an .npz file"),
    "an npz with pickled objects": (npz(hyperparams=hyperparams_entry(), W1=np.array([{}], dtype=object)),
                                    "Python objects (pickled data)"),
    "a text file": (b"these are not weights", "not an .npz file"),
    "a zip of other files": (zip_of("notes.txt", "hello"), "not NumPy arrays"),
    "a file cut in half": (GOOD_FILE[:len(GOOD_FILE) // 2], "not an .npz file"),
    "no hyperparameters": (npz(**PARAMS), "no 'hyperparams' entry"),
    "wrong keys": (npz(hyperparams=hyperparams_entry(), W1=PARAMS["W1"], b1=PARAMS["b1"], W2=PARAMS["W2"],
                       W9=PARAMS["b2"]), "missing b2; unexpected W9"),
    "wrong shapes": (npz(hyperparams=hyperparams_entry(), **{**PARAMS, "W1": np.zeros((10, 783))}),
                     "W1 has shape (10, 783), but a 784-10-10 network needs (10, 784)"),
    "NaN weights": (npz(hyperparams=hyperparams_entry(), **{**PARAMS, "W2": np.full((10, 10), np.nan)}),
                    "W2 contains inf or NaN"),
    "hyperparameter out of range": (npz(hyperparams=hyperparams_entry(alpha=-1.0), **PARAMS),
                                    "alpha must be a number in (0, 1000]"),
    "broken JSON": (npz(hyperparams=np.array("{alpha: "), **PARAMS), "not valid JSON"),
}


@pytest.fixture(scope="module")
def training_page(data_dir):
    """The training page with a network made by one Step, and the Save / load tab open."""
    visitor = Visitor("training")
    visitor.click("tr_step")
    visitor.state["tr_tab"] = SAVE_LOAD_TAB
    visitor.run()
    return visitor


@pytest.mark.parametrize("case", list(BAD_NETWORKS))
def test_a_bad_network_file_is_refused_and_the_network_stays(training_page, case):
    before = training_page.state[state.MODEL]
    W1 = before.params["W1"].copy()
    content, words = BAD_NETWORKS[case]
    training_page.upload("tr_upload", f"{case}.npz", content)
    message = training_page.errors()[0]
    assert f"**{case}.npz** was not loaded" in message and words in message
    after = training_page.state[state.MODEL]
    assert after is before and after.params is before.params and len(after.history) == 1
    np.testing.assert_array_equal(after.params["W1"], W1)


# ---------------------------------------------------------------------------------------------------------
# Learning rates that make training diverge, and what the other pages do with such a network
# ---------------------------------------------------------------------------------------------------------


def train_to_the_end(visitor, **controls):
    for key, value in controls.items():
        widget = next(w for kind in ("select_slider", "selectbox") for w in getattr(visitor.at, kind)
                      if w.key == key)
        widget.set_value(value)
    visitor.run()
    visitor.click("tr_train")
    run = visitor.state["training_run"]
    run.worker.join(120)
    assert not run.training
    return visitor.run()


@pytest.mark.parametrize("activation, words", [
    ("linear", "Training diverged at step"),  # the loss overflows to inf / NaN
    ("relu", "ReLU units of layer 1 are dead"),  # ReLU units pushed below 0 for every digit
])
def test_a_learning_rate_that_breaks_training_is_explained_and_every_page_still_works(data_dir, activation, words):
    visitor = Visitor("training")
    train_to_the_end(visitor, tr_alpha=10.0, tr_activation=activation, tr_iterations=100)
    assert any(words in message for message in visitor.errors())
    assert "traceback" not in " ".join(visitor.errors()).lower()
    model = visitor.state[state.MODEL]
    assert model.trained and all(np.isfinite(value).all() for value in model.params.values())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow must be handled where it happens
        for page in ("forward", "home", "data"):  # the broken network travels with the visitor
            visitor.open(page)
            if page == "forward" and activation == "linear":
                assert any("overflows" in message for message in visitor.warnings())
    assert visitor.state[state.MODEL] is model


# ---------------------------------------------------------------------------------------------------------
# Downloading the full MNIST: cut midway, wrong checksum, a data folder that cannot be written
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def mirror(monkeypatch):
    """A web server on 127.0.0.1 standing in for the MNIST mirror: set .body and .announced before clicking.

    The page's download is pointed at it; everything else about the download is the real code.
    """
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)

    class Handler(http.server.BaseHTTPRequestHandler):
        body, announced = b"", 0

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(Handler.announced))
            self.end_headers()
            self.wfile.write(Handler.body)  # then hang up, even if fewer bytes came than announced

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/mnist.npz"
    real_download = nn_core.mnist_files.download_mnist
    monkeypatch.setattr(nn_core.mnist_files, "download_mnist",
                        lambda dest, progress=None: real_download(dest, progress, mirrors=(url,), timeout=5))
    yield Handler
    server.shutdown()
    server.server_close()


def files_in(folder):
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize("body, announced, words", [
    (b"x" * 1000, 50_000, "cut off: got 1,000 of 50,000 bytes"),
    (b"not the MNIST file", 18, "is not the expected MNIST"),
])
def test_a_failed_download_is_explained_and_leaves_the_data_folder_as_it_was(data_dir, mirror, body, announced,
                                                                              words):
    mirror.body, mirror.announced = body, announced
    before = files_in(data_dir)
    visitor = Visitor("data")
    visitor.click("data_get_full")
    message = visitor.errors()[0]
    assert "Could not get the full MNIST" in message and words in message
    assert "Still using: Bundled sample" in message and "Bundled sample" in visitor.at.info[0].value
    assert files_in(data_dir) == before  # no half-written mnist.npz, no temporary file left behind
    assert not visitor.at.button(key="data_get_full").disabled  # still there, to try again


def test_a_data_folder_that_cannot_be_written_is_explained(data_dir, mirror, monkeypatch, tmp_path):
    mirror.body, mirror.announced = b"", 0
    visitor = Visitor("data")  # the digits are loaded; then the data folder turns out not to be writable
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be: nothing can be created inside it")
    monkeypatch.setattr(state, "DATA_DIR", blocker / "data")
    visitor.click("data_get_full")
    message = visitor.errors()[0]
    assert "Could not get the full MNIST" in message and "the folder is not writable" in message
    assert "Bundled sample" in visitor.at.info[0].value
    assert blocker.read_text().startswith("a file where")


# ---------------------------------------------------------------------------------------------------------
# Links: parameters in the address (wrong type, out of range, unknown)
# ---------------------------------------------------------------------------------------------------------

BAD_LINKS = [  # (page, the link's parameters, what the warning must name, widget key, the value it falls back to)
    ("training", {"alpha": "fast"}, "alpha=fast", "tr_alpha", 0.1),
    ("training", {"alpha": "1e9"}, "alpha=1e9", "tr_alpha", 0.1),
    ("training", {"hidden_sizes": "0"}, "hidden_sizes=0", "tr_hidden", 10),
    ("training", {"hidden_sizes": "10,x"}, "hidden_sizes=10,x", "tr_hidden", 10),
    ("training", {"iterations": "-5"}, "iterations=-5", "tr_iterations", 500),
    ("training", {"method": "adam"}, "method=adam", "tr_method", "full-batch"),
    ("training", {"seed": "abc"}, "seed=abc", "tr_seed", 0),
    ("training", {"colour": "blue"}, "colour=blue", "tr_alpha", 0.1),
    ("data", {"dev_size": "lots"}, "dev_size=lots", None, None),
    ("data", {"dev_size": "999999"}, "dev_size=999999", None, None),
    ("data", {"grid": "huge"}, "grid=huge", None, None),
    ("home", {"presenter": "sometimes"}, "presenter=sometimes", state.PRESENTER, False),
]


@pytest.mark.parametrize("page, query, words, key, fallback", BAD_LINKS, ids=[row[2] for row in BAD_LINKS])
def test_a_bad_link_warns_and_falls_back(data_dir, page, query, words, key, fallback):
    at = AppTest.from_file(str(ROOT / ("app.py" if page == "home" else f"views/{page}/page.py")), default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    warnings = " ".join(w.value for w in at.warning)
    assert words in warnings, warnings
    if key:
        assert at.session_state[key] == fallback
    for name in query:  # the address is rewritten to what the page really uses
        assert at.query_params.get(name) != query[name]


# ---------------------------------------------------------------------------------------------------------
# The canvas: empty, almost empty, tiny, not an image
# ---------------------------------------------------------------------------------------------------------


def canvas(side=320, opaque=True):
    image = np.zeros((side, side, 4), dtype=np.uint8)
    image[..., 3] = 255 if opaque else 0
    return image


def with_ink(image, rows, cols):
    image = image.copy()
    image[rows, cols, :3] = 255
    return image


def data_url(rgba):
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


BAD_DRAWINGS = {  # name: (what the canvas sends, the kind of message, words it must contain)
    "nothing drawn yet (transparent)": (data_url(canvas(opaque=False)), "info", "Draw a digit (0 to 9)"),
    "cleared (all black)": (data_url(canvas()), "info", "Draw a digit (0 to 9)"),
    "three stray pixels": (data_url(with_ink(canvas(), [10, 200, 300], [40, 41, 310])), "info",
                           "Draw a digit (0 to 9)"),
    "a faint smudge": (data_url(np.dstack([np.full((320, 320, 3), 20, np.uint8), np.full((320, 320), 255,
                                                                                          np.uint8)])),
                       "info", "Draw a digit (0 to 9)"),
    "a tiny dot": (data_url(with_ink(canvas(), slice(150, 158), slice(150, 156))), "warning",
                   "This drawing is small: 8 x 6 pixels"),
    "not an image": ("data:image/png;base64,bm90IGFuIGltYWdl", "error", "could not be read as an image"),
    "not base64": ("data:image/png;base64,@@@", "error", "could not be read as an image"),
}


@pytest.fixture(scope="module")
def draw_page(data_dir):
    """The Draw page of a visitor who has a (briefly trained) network of their own."""
    hp = NOTEBOOK.with_changes(iterations=20)
    model = state.Model(new_network(hp), hp, dev_accuracy=0.5, data_description="test")
    at = AppTest.from_file(str(ROOT / "views" / "draw" / "page.py"), default_timeout=120)
    at.session_state[state.MODEL] = model
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("case", list(BAD_DRAWINGS))
def test_an_empty_or_tiny_drawing_gets_a_hint_and_a_broken_one_a_plain_error(draw_page, case):
    at = draw_page
    model = at.session_state[state.MODEL]
    sent, kind, words = BAD_DRAWINGS[case]
    generation = at.session_state["draw_canvas_generation"] if "draw_canvas_generation" in at.session_state else 0
    at.session_state[f"draw_canvas_{generation}"] = {"drawing": {"raw": {"objects": []}, "data": sent}}
    at.run()
    assert not at.exception, at.exception
    messages = " ".join(element.value for element in getattr(at, kind))
    assert words in messages, messages
    if kind != "error":
        assert not at.error, at.error[0].value
    assert at.session_state[state.MODEL] is model  # the visitor's network stays
