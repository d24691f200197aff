"""What the whole-app tests share: a data folder holding only the bundled sample, a CSV of sample digits to upload,
and a Visitor, one browser tab on the app (its own session) moving between pages as the sidebar does."""

import contextlib
from pathlib import Path

from streamlit.testing.v1 import AppTest

import nn_core.data
import nn_core.mnist_files
from dashboard import state

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "mnist_sample.npz"
PAGES = "views"  # the folder app.py routes to
CSV_HEADER = ",".join(["label", *(f"pixel{k}" for k in range(784))])


def csv_of_sample_digits(n):
    """A Kaggle-style train.csv (a header, then label and 784 pixels per line) of the first n sample digits."""
    sample = nn_core.mnist_files.load_sample(SAMPLE)
    rows = [",".join(map(str, [sample.labels[i], *sample.images[i]])) for i in range(n)]
    return ("\n".join([CSV_HEADER, *rows]) + "\n").encode()


@contextlib.contextmanager
def only_the_sample(folder, patch):
    """Point the app at a new data folder that holds only the bundled sample, with the shared caches empty
    before and after; `patch` is a pytest MonkeyPatch, which undoes the change afterwards."""
    patch.delenv("MNIST_PATH", raising=False)
    folder.mkdir()
    (folder / "mnist_sample.npz").symlink_to(SAMPLE)
    patch.setattr(state, "DATA_DIR", folder)
    state.shared_sources.clear()
    state._shared_split.clear()
    try:
        yield folder
    finally:
        state.shared_sources.clear()
        state._shared_split.clear()


class Visitor:
    """One browser tab on the whole app (app.py): its own session, moving between pages as the sidebar does."""

    def __init__(self, page="home", **query):
        self.at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        self.at.query_params.update(query)
        self.run()
        if page != "home":
            self.open(page)

    def run(self):
        self.at.run()
        assert not self.at.exception, self.at.exception
        return self.at

    def open(self, name):
        self.at.switch_page(f"{PAGES}/{name}/page.py")
        return self.run()

    def click(self, key):
        self.at.button(key=key).click()
        return self.run()

    def upload(self, key, name, content, mime="application/octet-stream"):
        self.at.file_uploader(key=key).set_value((name, content, mime))
        return self.run()

    @property
    def state(self):
        return self.at.session_state

    def errors(self):
        return [e.value for e in self.at.error]

    def warnings(self):
        return [w.value for w in self.at.warning]
