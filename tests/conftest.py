"""Shared fixtures: the bundled sample, and the real app served on 127.0.0.1 and driven in headless Chromium.

Browser tests need Debian's `chromium` package and the pip package `playwright` (never `playwright install`:
it downloads a browser); the test of deploy/ needs Debian's `nginx`. Without them these tests skip, saying how
to enable them; under CI (CI=true) a missing tool is a failure, not a skip. Screenshots are taken only when
SCREENSHOTS names a folder for them (CI does not set it).
"""

import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from script_runs import COUNTER, IDLE, IDLE_AFTER_RELEASE, STILL
from threadpoolctl import threadpool_limits

# As in the app (dashboard/state.py): one BLAS thread, which keeps a busy machine fast.
threadpool_limits(1, user_api="blas")
# Training workers at the normal CPU priority (the app's default is 10, below its pages): on a machine busy with
# other work, a low-priority worker gets almost no CPU and the tests would time out. test_workers.py checks the
# default priority on its own.
os.environ["WORKER_NICENESS"] = "0"

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = os.environ.get("SCREENSHOTS")  # a folder: the browser tests save what they see there, for a person
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 60_000


_scratch = {}  # the folder below, and the settings it replaced
SCRATCH_SETTINGS = ("CLASS_BOARD_PATH", "HYPOTHESIS_STORAGE_DIRECTORY")


def pytest_configure(config):
    """Before any test file is imported, what the tests keep goes to a temporary folder, removed when pytest
    ends: the class board (nothing that runs while tests are collected, or outside the fixture below, can reach
    the project's data/class_board.sqlite3), and Hypothesis's files (never a .hypothesis folder in the project)."""
    _scratch["saved"] = {name: os.environ.get(name) for name in SCRATCH_SETTINGS}
    _scratch["folder"] = folder = tempfile.mkdtemp(prefix="pytest-scratch-")
    os.environ["CLASS_BOARD_PATH"] = os.path.join(folder, "class_board.sqlite3")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(folder, "hypothesis")


def pytest_unconfigure(config):
    if "folder" not in _scratch:
        return
    shutil.rmtree(_scratch.pop("folder"), ignore_errors=True)
    for name, value in _scratch.pop("saved").items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


# The share of lines the tests run (pytest-cov, configured in pyproject.toml), per part of the project; a run of the
# whole suite fails below these.
COVERAGE_TARGETS = {"nn_core": (["nn_core"], 95.0),
                    "the app (dashboard, views, training_runs, board_store)": (
                        ["dashboard", "views", "training_runs", "board_store"], 85.0)}
_coverage = {}  # part -> percent, for the summary


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session):
    """After pytest-cov has gathered what this process and its children ran: each part's share of lines."""
    from coverage.exceptions import CoverageException

    result = yield
    controller = getattr(session.config.pluginmanager.getplugin("_cov"), "cov_controller", None)
    if controller is None or session.config.option.collectonly:
        return result
    for part, (folders, target) in COVERAGE_TARGETS.items():
        try:
            percent = controller.cov.report(include=[str(ROOT / folder / "*") for folder in folders],
                                            file=io.StringIO(), output_format="total")
        except CoverageException as error:  # no data: say so rather than end the run with a traceback
            _coverage[part] = f"not measured ({error})"
            continue
        _coverage[part] = percent
        if percent < target and whole_suite(session):
            _coverage["failed"] = True
            session.testsfailed += 1  # as pytest-cov's --cov-fail-under does
    return result


def whole_suite(session):
    """True when this run is the README's command: every test of testpaths, none chosen or left out."""
    option = session.config.option
    return (session.config.args_source == pytest.Config.ArgsSource.TESTPATHS and not option.keyword
            and not option.markexpr and not option.deselect and not getattr(option, "lf", False)
            and not getattr(option, "stepwise", False))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    if not _coverage:
        return
    terminalreporter.write_sep("-", "coverage of lines by part (targets for a run of the whole suite)")
    for part, (_, target) in COVERAGE_TARGETS.items():
        percent = _coverage.get(part, "not measured")
        if isinstance(percent, str):
            terminalreporter.write_line(f"{part}: {percent}")
        else:
            terminalreporter.write_line(f"{part}: {percent:.1f}% (at least {target:g}%)", red=percent < target,
                                        green=percent >= target)
    if _coverage.get("failed"):
        terminalreporter.write_line("FAIL: the whole suite runs less of the code than the targets above", red=True)


@pytest.fixture(scope="session", autouse=True)
def class_board_file(tmp_path_factory):
    """The class board of every test (and of the server the browser tests start) is a temporary file, never
    the project's data/class_board.sqlite3."""
    path = tmp_path_factory.mktemp("board") / "class_board.sqlite3"
    saved = os.environ.get("CLASS_BOARD_PATH")
    os.environ["CLASS_BOARD_PATH"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("CLASS_BOARD_PATH", None)
    else:
        os.environ["CLASS_BOARD_PATH"] = saved


CLASS_KEY = "owl-42"  # the class key of the servers the page tests stand for (keyed_board_file)


@pytest.fixture
def keyed_board_file(tmp_path, monkeypatch, data_dir):
    """This test's own board file, on a server started with the class key CLASS_KEY, with the bundled sample as
    the data (data_dir)."""
    from class_runs import forget_writer

    path = tmp_path / "class_board.sqlite3"
    monkeypatch.setenv("CLASS_BOARD_PATH", str(path))
    monkeypatch.setenv("CLASS_KEY", CLASS_KEY)
    yield path
    forget_writer(path, timeout=2)


@pytest.fixture
def class_server(tmp_path):
    """`streamlit run app.py` with the class key of class_server.py and a board file of its own (the class's
    browser tests)."""
    from class_server import ClassServer

    running = ClassServer(tmp_path)
    running.start()
    yield running
    running.stop()


def run_ok(at):
    """Run an AppTest page again and check that it raised nothing."""
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(autouse=True)
def runs_start_afresh():
    """Each test trains its own runs: none is shared with an identical run of an earlier test."""
    from training_runs import pool

    pool.forget_shared()
    yield


@pytest.fixture(autouse=True, scope="session")
def no_worker_left_behind():
    """After the tests, the training workers stop with the pool, and no process is left behind."""
    from training_runs import pool

    yield
    pool.shutdown()
    deadline = time.time() + 10
    while worker_processes() and time.time() < deadline:
        time.sleep(0.1)
    assert worker_processes() == [], "worker processes left behind"


def worker_processes():
    """The process ids of every training worker this process has started and not yet ended."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").exists() else ():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, NotADirectoryError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"training_runs.worker_loop" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="session")
def sample_split():
    """The bundled 10,000-digit sample, split as the notebook does: 1,000 dev, 9,000 train."""
    from nn_core.data import split_dev
    from nn_core.mnist_files import load_sample

    return split_dev(load_sample(ROOT / "data" / "mnist_sample.npz"), dev_size=1000, seed=0)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data folder with only the bundled sample, for pages run in AppTest; the shared caches start empty."""
    from visitors import only_the_sample

    with only_the_sample(tmp_path / "data", monkeypatch) as folder:
        yield folder


def unavailable(message):
    """Skip the test because a tool it needs is missing (`message` says which and how to get it); in CI, where
    every test must run, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(message + " (in CI every test must run)")
    pytest.skip(message)


def _browser_missing():
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: run `apt-get install -y chromium` (or set CHROMIUM_PATH)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: run `pip install -r requirements-dev.txt`"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _needs_a_browser():
    missing = _browser_missing()
    if missing:
        unavailable("browser tests skipped: " + missing)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """Start `streamlit run app.py` on a free port of 127.0.0.1, on the bundled sample, and return its address."""
    _needs_a_browser()
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit-server.log"
    log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        # The bundled sample: the same pages anywhere. No finished run is kept for later visitors, so a test's
        # run is never one an earlier test trained to its end (runs in progress are still shared, as in a class).
        env={**{k: v for k, v in os.environ.items() if k != "MNIST_PATH"}, "FINISHED_RUNS_KEPT": "0"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                break
        except OSError:
            if server.poll() is not None:
                pytest.fail("the Streamlit server exited:\n" + log_path.read_text()[-3000:])
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("the Streamlit server did not answer within 60 s")
    yield url
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def nginx():
    """Debian's nginx, which deploy/serve.py runs in front of the app processes."""
    path = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not path:
        unavailable("deploy tests skipped: no nginx: run `apt-get install -y nginx`")
    return path


def needs_postgres():
    """Skip the test (fail it in CI) when PostgreSQL's programs are missing."""
    from postgres_server import binaries

    if binaries() is None:
        unavailable("PostgreSQL tests skipped: no initdb on PATH or in /usr/lib/postgresql/*/bin: "
                    "run `apt-get install -y postgresql` (the tests start a server of their own, never the system's)")


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server for this test process (tests/postgres_server.py): its own cluster in a temporary
    folder, on a free port of 127.0.0.1, deleted when the tests end. Each pytest-xdist worker has its own."""
    from postgres_server import PostgresServer

    needs_postgres()
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a new, empty database of postgres_server, this test's alone."""
    return postgres_server.fresh_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def board_location(request, tmp_path):
    """Where a store test's board lives: a SQLite file (the default), then a PostgreSQL database (a school's), so that
    the store's tests run on both engines."""
    if request.param == "sqlite":
        return tmp_path / "board.sqlite3"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    _needs_a_browser()

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def use_seed(page, seed):
    """Set the Training page's random seed, and wait until the address has it. The browser tests share one
    server, which trains identical runs once: a test that needs a run still in progress (to stop it, or to see
    it mid-way from another page) picks a seed no other test trains."""
    box = page.get_by_label("Random seed", exact=True)
    box.fill(str(seed))
    box.press("Enter")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('seed') === '{seed}'")


class AppPage:
    """One visitor's browser tab on the app (a context of its own: its own cookies and Streamlit session), with the
    few moves every browser test needs."""

    def __init__(self, browser, url, viewport, phone=False):
        from playwright.sync_api import expect

        expect.set_options(timeout=TIMEOUT_MS)  # expect(...) waits as long as any other step (its own default: 5 s)
        touch = {"has_touch": True, "is_mobile": True} if phone else {}  # a phone's browser: touch, and says so
        self.context = browser.new_context(viewport=viewport, **touch)
        self.context.add_init_script(COUNTER)  # counts the tab's script runs, for wait_idle
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page, self.url = self.context.new_page(), url
        self.errors = []  # what the page's scripts reported going wrong, for a test that finds the tab broken
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("console", self._console)

    def _console(self, message):
        """A console error, but for Streamlit's first guess at a deep link's server address (/draw/_stcore/health,
        a 404 on every page but Home, before it asks the right one)."""
        if message.type == "error" and "/_stcore/" not in message.location.get("url", ""):
            self.errors.append(f"console: {message.text}")

    def reported(self, count=6):
        """The first errors the page reported (the first is the cause; a broken tab then repeats its symptoms)."""
        return self.errors[:count]

    def close(self):
        self.context.close()

    def open(self, path=""):
        """Go to a page of the app ("" is home, "data", "training?presenter=1", ...) and wait until it has run."""
        self.page.goto(f"{self.url}/{path}", timeout=TIMEOUT_MS)
        self.page.wait_for_selector('[data-testid="stMain"]', timeout=TIMEOUT_MS)
        self.wait_idle()

    def wait_idle(self, timeout_ms=TIMEOUT_MS):
        """Wait until the script has finished running: every run this tab asked for (a click, a changed control) has
        started and ended (script_runs.IDLE). A click asks as it happens; a drawing asks a moment after the mouse
        button is released (wait_drawn waits for that)."""
        self._wait(IDLE, timeout_ms)

    def wait_drawn(self, timeout_ms=TIMEOUT_MS):
        """Wait until the canvas has sent the drawing just made (it asks for a run 0.2 s after the mouse button is
        released) and that run has ended."""
        self._wait(IDLE_AFTER_RELEASE, timeout_ms)

    def _wait(self, condition, timeout_ms):
        from playwright.sync_api import TimeoutError

        try:
            self.page.wait_for_function(condition, timeout=timeout_ms)
        except TimeoutError as error:  # say what the tab was doing
            runs = self.page.evaluate("() => JSON.stringify(window.scriptRuns)")
            raise AssertionError(f"{error.message.splitlines()[0]}; the tab's script runs: {runs}") from None

    def wait_still(self):
        """Wait until nothing on the page moves any more (no faded element of the run before, no transition)."""
        self.page.wait_for_function(STILL)

    def assert_no_exception(self):
        boxes = self.page.locator('[data-testid="stException"]')
        assert boxes.count() == 0, boxes.first.inner_text()

    def screenshot(self, name):
        """Save what the window shows as SCREENSHOTS/<name>.png when SCREENSHOTS names a folder; else nothing."""
        return keep_screenshot(self.page, name)


def keep_screenshot(page, name):
    """What the page's window shows, saved as SCREENSHOTS/<name>.png when SCREENSHOTS names a folder (CI does not
    set it); else nothing. Returns the file's path, or None."""
    if not SCREENSHOTS:
        return None
    path = Path(SCREENSHOTS) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def app(browser, app_url):
    """A fresh browser tab (its own Streamlit session) on the running app, at 1440 x 900."""
    tab = AppPage(browser, app_url, {"width": 1440, "height": 900})
    yield tab
    tab.close()
