"""A whole class at once: N visitors use one server at the same time. Prints figures, asserts nothing.

    python benchmarks/load_test.py --sessions 20                    # 20 protocol visitors (the default)
    python benchmarks/load_test.py --sessions 20 --browsers 2       # 18 protocol visitors and 2 real browsers
    python benchmarks/load_test.py --sessions 20 --clients browser  # 20 headless-Chromium visitors
    python benchmarks/load_test.py --sessions 20 --read 5           # each spends 5 s on a page before the next
    python benchmarks/load_test.py --sessions 20 --distinct-seeds   # each trains with a seed of their own
    python benchmarks/load_test.py --url http://127.0.0.1:8500 --pid PID   # a server it did not start
    python benchmarks/load_test.py --sessions 30 --poll             # ... and the teacher asks the room

Starts `streamlit run app.py` on a free port of 127.0.0.1 (on the bundled sample; --full-mnist keeps
MNIST_PATH), or, with --url, sends the class to an address it did not start (nginx in front of several app
processes, deploy/serve.py; --pid names the process whose tree serves it, for the memory and CPU figures).
Then N visitors arrive `--ramp` seconds apart. Each, like a student going through the lesson: opens Home,
then every page from the sidebar; on Training presses "📓 The notebook" and "▶️ Train" and waits for the end
of the run; on Class looks at the board of the class's runs; on Draw a digit draws a '7' and waits for the
prediction. By default every visitor trains the same run (the teacher's link: the server computes it once);
with --distinct-seeds visitor n sets the seed to n first, so the server trains N different runs. A server this
test starts keeps its class board in a temporary file, read once the server has stopped: every visitor's run
must be on it. By default a visitor opens the next page as soon as one is ready (the hardest case: twenty
students clicking as fast as the server answers); --read S makes each spend S seconds on a page first, as a
student reading it does.

Two kinds of visitor:
- protocol (the default; protocol_client.py): no browser. It speaks Streamlit's own websocket protocol and
  sends what a browser sends (page changes, every widget's value, button presses, the fragment's reruns while
  training, the canvas's drawing), so the server does the same work, while the visitor itself costs almost no
  CPU. This is the honest figure for a class where each student has their own computer: on this 2-core
  machine, 20 Chromium tabs next to the server starve it, and the figures measure the browsers. A page's time
  is from the rerun request to the server's `script_finished` (Home's once the websocket is open): the
  server's share of the wait, without the browser drawing the charts (add --browsers 1 to see a student's
  screen under the same load) and without a classroom network. While training it also counts the live
  chart's reruns, asked and done, and how often the chart moved.
- browser (--clients browser, or --browsers K to make K of the N visitors real browsers): one headless
  Chromium (Playwright's async API), one context (its own cookies, so its own Streamlit session) per visitor.
  A page counts as "ready" when its script's output is on screen, and "drawn" when its charts are drawn too.
  The browsers run on the same machine as the server and compete with it for the CPU, so their figures are
  pessimistic (lowering their priority does not help: Chromium sets its own processes' priorities). A few
  browsers among protocol visitors show what a student's screen does under the class's load.

With --poll the teacher asks the room a question: a protocol tab opens the Class page with the class key in
presenter mode (the projector), and once every visitor has opened Home it presses "📣 Ask the room" (the bank's
first question). Each protocol visitor waits on Home until the question shows above the page (its panel reads
the board every second), thinks for 0 to 3 s and taps a letter, then goes on with the lesson. The projector's
tab counts the answers as the room sees them ("Answered: 12 of 30", redrawn every second). Reported: answers
given, answers counted on the projector and in the board's file, answers lost (must be 0), the seconds from the
question to each student seeing it, and from the last answer to the projector's count. The server this test
starts gets a class key of its own; with --url, --key names the server's key (and --board its board file, to
count the answers there too).

It stops itself after --time-limit seconds (whatever is unfinished counts as an error) and refuses more
than MAX_SESSIONS sessions. It reports, for each kind of visitor: errors (timeouts, disconnections, exceptions
shown on a page), the time of each page as p50 / p95, the training time per session, the draw -> prediction
time; and for the server: its peak memory (VmRSS of the server process and its children, read from /proc
every 0.25 s), its start time, the CPU time it used against the CPU time everything else on the machine used
(the visitors, and any other work: a warning says when other work took more than a tenth of the CPU, since
the figures are then disturbed), and the machine's load average. The server's figures include its training
workers (its child processes). Its memory is given twice: the resident memory of each process added up
(pages the processes share, such as the digits every worker maps, counted once per process) and their
proportional share (PSS: each shared page split between the processes that map it).
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from playwright.async_api import async_playwright
from protocol_client import ProtocolVisitor, StreamlitTab

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
MAX_SESSIONS = 60
STEP_TIMEOUT_MS = 600_000  # one page or one training run, under heavy load
# URL path -> the start of the page's title; the order a student goes through the lesson
PAGES = {"": "🧠", "data": "🔢 The data", "forward": "➡️ Forward pass", "training": "📉 Training",
         "experiments": "🧪 Experiments", "class": "👥 The class's runs", "draw": "✏️ Draw a digit"}

# The page is "ready" once its script has finished (Streamlit's own test attribute on stApp), it shows `title`
# and nothing is stale; it is "drawn" once, in addition, every chart and image is on screen (plotly's code is
# loaded on a visitor's first chart, so a chart may still be an empty box). Drawn must hold for stableMs.
# Returns [ms since ready, ms since drawn], so the time spent checking can be subtracted.
RENDERED = """([title, stableMs]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    const h1 = main && main.querySelector('h1');
    const ready = !!h1 && h1.innerText.trim().startsWith(title)
        && app && app.dataset.testScriptState === 'notRunning'
        && !main.querySelector('[data-stale="true"]');
    const graphics = main ? [...main.querySelectorAll('.stPrintGraphic')] : [];
    const drawn = ready && graphics.every(graphic => graphic.querySelector('.main-svg, img, canvas'));
    const now = performance.now();
    window.__readySince = ready ? (window.__readySince || now) : null;
    window.__drawnSince = drawn ? (window.__drawnSince || now) : null;
    return drawn && now - window.__drawnSince >= stableMs ? [now - window.__readySince, now - window.__drawnSince]
                                                          : false;
}"""
STABLE_MS = 500


# ---------------------------------------------------------------------------------------------------------
# The server and its memory
# ---------------------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(full_mnist, board_path=None, key=None):
    """Start the app (its class board in the file `board_path`, by default a new temporary file: a benchmark never
    writes to the project's board); return (process, url, seconds until /_stcore/health answered, seconds until /
    answered)."""
    board_path = board_path or Path(tempfile.mkdtemp()) / "class_board.sqlite3"
    port = free_port()
    env = dict(os.environ) if full_mnist else {k: v for k, v in os.environ.items() if k != "MNIST_PATH"}
    env["CLASS_BOARD_PATH"] = str(board_path)
    env.pop("CLASS_KEY", None)
    if key:
        env["CLASS_KEY"] = key  # the teacher's key: --poll asks the room
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    healthy = None
    while time.perf_counter() - start < 120:
        if server.poll() is not None:
            raise SystemExit("the Streamlit server exited at start")
        try:
            urllib.request.urlopen(url + ("/" if healthy else "/_stcore/health"), timeout=2).close()
            if healthy is not None:
                return server, url, healthy, time.perf_counter() - start
            healthy = time.perf_counter() - start
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the Streamlit server did not answer within 120 s")


def process_tree(pid):
    """Process `pid` and all its descendants, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except OSError:
                continue
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def rss_bytes(pid):
    """Resident memory of process `pid` and all its descendants, from /proc (0 for processes gone meanwhile)."""
    total = 0
    for p in process_tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024
        except (OSError, AttributeError):
            continue
    return total


def pss_bytes(pid):
    """Proportional memory (PSS) of process `pid` and its descendants: a page shared by k processes counts 1/k."""
    total = 0
    for p in process_tree(pid):
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE).group(1)) * 1024
        except (OSError, AttributeError):
            continue
    return total


def left_behind(workers, wait=10.0):
    """After the server stops, its training workers must stop too: wait for them, say so if any is left, and end
    those (only processes of the app's workers, found as the server's children)."""
    def running(pid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            return (stat.rsplit(")", 1)[1].split()[0] != "Z"
                    and b"training_runs.worker_loop" in Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:
            return False

    deadline = time.monotonic() + wait
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in [pid for pid in workers if running(pid)]:
        print(f"⚠️ worker process {pid} outlived the server: ending it")
        os.kill(pid, 9)


TICKS = os.sysconf("SC_CLK_TCK")  # /proc counts CPU time in these


def cpu_seconds(pid, descendants=True):
    """CPU time (user + system) used so far by process `pid` and (descendants=True) its living descendants."""
    total = 0
    for p in process_tree(pid) if descendants else [pid]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / TICKS


def machine_busy_seconds():
    """CPU time the whole machine has spent busy (not idle, not waiting for disk) since it started."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICKS  # user nice system idle iowait irq softirq steal


class MemoryWatch:
    """Polls the server's memory (its workers included) in a thread; .peak, .peak_pss and .samples in bytes."""

    def __init__(self, pid, every=0.25):
        self.pid, self.every, self.samples, self.pss_samples = pid, every, [], []
        self.processes = 0  # the most processes seen at once: the server and its workers
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self):
        polls = 0
        while not self.stopped.is_set():
            self.samples.append(rss_bytes(self.pid))
            if polls % 4 == 0:  # PSS walks every mapping: once a second is enough
                self.pss_samples.append(pss_bytes(self.pid))
                self.processes = max(self.processes, len(process_tree(self.pid)))
            polls += 1
            self.stopped.wait(self.every)

    def stop(self):
        self.stopped.set()
        self.thread.join()

    @property
    def peak(self):
        return max(self.samples, default=0)

    @property
    def peak_pss(self):
        return max(self.pss_samples, default=0)


# ---------------------------------------------------------------------------------------------------------
# One visitor
# ---------------------------------------------------------------------------------------------------------


class KeyedServerVisitor(ProtocolVisitor):
    """A protocol visitor who also finishes training on a server with a class key. There the Training page reads
    the class's challenges every 5 s in a fragment of its own (views/training/challenge_box.py), which ticks as
    long as the page is open, so the tab is never idle (ProtocolVisitor.train waits for that): a run has ended
    once no run of the page is going on and its progress says so (the live chart's fragment redraws the whole page
    when the run ends). On a server without a key, the same as ProtocolVisitor."""

    @staticmethod
    async def end_of_run(tab, timeout):
        """Wait until the page says the run has ended (finished, diverged or paused); return what it says. The end
        is kept once seen: a run of the challenges' fragment may start before wait_until looks again."""
        ended = []

        def seen():
            if not ended and not tab.running and tab.progress_text().startswith(("✅", "💥", "⏸️")):
                ended.append(tab.progress_text())
            return bool(ended)
        try:
            await tab.wait_until(seen, timeout)
        except TimeoutError:
            raise TimeoutError(f"the run did not end within {timeout:.0f} s (the page's progress: "
                               f"{tab.progress_text()!r}; {tab.fragments_words()})") from None
        return ended[0]


class Visitor:
    """One student: a browser context of their own, and what they measured."""

    kind = "browser"

    def __init__(self, number, url, browser, read_seconds=0.0, seed=None):
        self.number, self.url, self.browser = number, url, browser
        self.seed = seed  # the notebook preset's seed is changed to this one before Train (None: the preset's)
        self.read_seconds = read_seconds  # time spent on each page before going to the next one
        self.renders = {}  # page -> (seconds until the script's output is on screen, until charts are drawn too)
        self.pauses = 0  # training runs that paused by themselves (no redraw for a while) and were resumed
        self.training = None  # (seconds from click to the end, training seconds the page reported)
        self.prediction = None  # seconds from the end of the stroke to the prediction on screen
        self.errors = []

    async def rendered(self, page, path, started):
        """Wait until the page at `path` is drawn; return (seconds to ready, seconds to drawn) since `started`."""
        since = await (await page.wait_for_function(RENDERED, arg=[PAGES[path], STABLE_MS], polling=100,
                                                    timeout=STEP_TIMEOUT_MS)).json_value()
        elapsed = time.perf_counter() - started
        shown = page.locator('[data-testid="stException"]')
        if await shown.count():
            self.errors.append(f"{path or 'home'}: exception on the page: {(await shown.first.inner_text())[:200]}")
        return elapsed - since[0] / 1000, elapsed - since[1] / 1000

    async def visit(self, page, path):
        """Go to a page through the sidebar, as a student does (a full reload would start a new session)."""
        if path == "":
            started = time.perf_counter()
            await page.goto(self.url + "/", timeout=STEP_TIMEOUT_MS)
        else:
            link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]')
            if not await link.count():
                return False
            # the page shown until now was ready too: forget when, or this page would seem ready before the click
            await page.evaluate("() => { window.__readySince = null; window.__drawnSince = null; }")
            started = time.perf_counter()
            await link.first.click()
        self.renders[path or "home"] = await self.rendered(page, path, started)
        return True

    async def train_notebook(self, page):
        await page.get_by_role("button", name="📓 The notebook").click()
        await page.wait_for_function(RENDERED, arg=[PAGES["training"], STABLE_MS], polling=100,
                                     timeout=STEP_TIMEOUT_MS)
        if self.seed is not None:
            await page.get_by_label("Random seed", exact=True).fill(str(self.seed))
            await page.get_by_label("Random seed", exact=True).press("Enter")
            await page.wait_for_function(RENDERED, arg=[PAGES["training"], STABLE_MS], polling=100,
                                         timeout=STEP_TIMEOUT_MS)
        started = time.perf_counter()
        train = page.get_by_role("button", name="▶️ Train")
        await train.click()
        progress = page.locator('[data-testid="stProgress"]').first
        while True:
            text = (await progress.inner_text(timeout=STEP_TIMEOUT_MS)).strip() if await progress.count() else ""
            if text.startswith(("✅", "💥", "⚠️")):  # finished, diverged, or went wrong: the run has ended
                break
            if text.startswith("⏸️") and await train.is_enabled():  # paused by itself: press Train again
                self.pauses += 1
                await train.click()
            if time.perf_counter() - started > STEP_TIMEOUT_MS / 1000:
                raise TimeoutError(f"training did not finish in {STEP_TIMEOUT_MS / 1000:.0f} s (last: {text!r})")
            await asyncio.sleep(0.5)
        wall = time.perf_counter() - started
        reported = re.search(r"([\d.]+) s of training", text)
        self.training = (wall, float(reported.group(1)) if reported else float("nan"))
        if text.startswith("💥"):
            self.errors.append("training: the notebook preset diverged")
        await page.wait_for_function(RENDERED, arg=[PAGES["training"], STABLE_MS], polling=100,
                                     timeout=STEP_TIMEOUT_MS)

    async def draw_digit(self, page):
        """A '7': a bar along the top, then a stroke down to the bottom left."""
        canvas = page.locator("canvas.upper-canvas").first
        await canvas.wait_for(timeout=STEP_TIMEOUT_MS)
        box = await canvas.bounding_box()
        x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
        await page.mouse.move(x0 + 0.25 * w, y0 + 0.2 * h)
        await page.mouse.down()
        await page.mouse.move(x0 + 0.75 * w, y0 + 0.2 * h, steps=8)
        await page.mouse.move(x0 + 0.4 * w, y0 + 0.85 * h, steps=8)
        started = time.perf_counter()
        await page.mouse.up()
        await page.locator('[data-testid="stMetric"]').filter(has_text="Prediction").first.wait_for(
            timeout=STEP_TIMEOUT_MS)
        self.prediction = time.perf_counter() - started
        await page.wait_for_function(RENDERED, arg=[PAGES["draw"], STABLE_MS], polling=100,
                                     timeout=STEP_TIMEOUT_MS)

    async def lesson(self):
        context = await self.browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        step = "home"
        try:
            for number, path in enumerate(PAGES):
                if number:
                    await asyncio.sleep(self.read_seconds)  # reading the previous page
                step = path or "home"
                if not await self.visit(page, path):
                    continue
                if path == "training":
                    step = "training: notebook preset"
                    await self.train_notebook(page)
                if path == "draw":
                    step = "draw: a stroke -> prediction"
                    await self.draw_digit(page)
        except Exception as error:  # any failure is counted and reported, never raised
            self.errors.append(f"{step}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
        finally:
            await context.close()


# ---------------------------------------------------------------------------------------------------------
# The class, and the report
# ---------------------------------------------------------------------------------------------------------


def browser_numbers(sessions, browsers):
    """Which of the visitors 0..sessions-1 are real browsers: `browsers` of them, spread over the arrivals."""
    return {int((i + 0.5) * sessions / browsers) for i in range(browsers)} if browsers else set()


async def whole_class(url, sessions, browsers, ramp, time_limit, read_seconds=0.0, distinct_seeds=False, key=None):
    """Run the lesson for `sessions` visitors at once, `browsers` of them in Chromium; return the visitors (and,
    with `key`, the teacher's projector, which asks the room). distinct_seeds: visitor n trains with seed n (else
    all train the same run)."""
    in_browser = browser_numbers(sessions, browsers)
    async with contextlib.AsyncExitStack() as stack:
        browser = None
        if in_browser:  # Playwright and Chromium only when a visitor needs them
            playwright = await stack.enter_async_context(async_playwright())
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            stack.push_async_callback(browser.close)
        seed = (lambda n: n) if distinct_seeds else (lambda n: None)
        asked = asyncio.Event() if key else None  # set once the teacher has asked the room
        visitors = [Visitor(n, url, browser, read_seconds, seed(n)) if n in in_browser
                    else KeyedServerVisitor(n, url, PAGES, STEP_TIMEOUT_MS / 1000, read_seconds, seed(n), asked)
                    for n in range(sessions)]
        teacher = Projector(url, key, [v for v in visitors if v.kind == "protocol"], asked) if key else None

        async def arrive(visitor):
            await asyncio.sleep(visitor.number * ramp)
            await visitor.lesson()

        tasks = [asyncio.create_task(arrive(v)) for v in visitors]
        watching = asyncio.create_task(teacher.watch()) if teacher else None
        done, pending = await asyncio.wait(tasks + ([watching] if watching else []), timeout=time_limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for visitor, task in zip(visitors, tasks, strict=True):
            if task in pending:
                doing = f" (at: {visitor.step})" if getattr(visitor, "step", None) else ""
                visitor.errors.append(f"not finished within the time limit of {time_limit:.0f} s{doing}")
        if watching in pending:
            teacher.errors.append(f"not finished within the time limit of {time_limit:.0f} s")
    return visitors, teacher


class Projector:
    """--poll: the teacher's tab on the projector. It opens the Class page with the class key in presenter mode,
    asks the bank's first question once every student has opened Home, and notes each count of answers it shows
    ("Answered (round 1)": "12 of 30"), as the room sees it, until every student has answered (or given up)."""

    kind = "projector"

    def __init__(self, url, key, students, asked):
        self.url, self.key, self.students, self.asked = url, key, students, asked
        self.counts = []  # (time.perf_counter(), answers counted on the projector), each time the count changed
        self.asked_at = None
        self.errors = []

    async def watch(self):
        tab = StreamlitTab(self.url, STEP_TIMEOUT_MS / 1000)
        try:
            await tab.open()
            await tab.first_visit()
            await tab.open_page("class", query_string=f"key={self.key}&presenter=1")
            while not all("home" in s.renders or s.errors for s in self.students):
                await asyncio.sleep(0.1)  # the class arrives
            await tab.press("📣 Ask the room")
            self.asked_at = time.perf_counter()
            self.asked.set()
            while True:  # the live part redraws itself every second: note each new count
                value = tab.metric_value("Answered")
                counted = int(value.split()[0]) if value else 0
                if not self.counts or counted != self.counts[-1][1]:
                    self.counts.append((time.perf_counter(), counted))
                answered = [s for s in self.students if s.answer]
                if all(s.answer or s.errors for s in self.students) and counted >= len(answered):
                    break
                await asyncio.sleep(0.05)
        except Exception as error:  # counted and reported, never raised
            self.errors.append(f"projector: {type(error).__name__}: {str(error)[:200]}")
        finally:
            await tab.close()

    def figures(self, board_answers=None):
        """Answers given, counted (on the projector, and in the board file when known), lost; the waits."""
        answered = [s.answer for s in self.students if s.answer]
        counted = self.counts[-1][1] if self.counts else 0
        last_answer = max((at for _, at in answered), default=None)
        shown = next((at for at, n in self.counts if n >= len(answered)), None) if answered else None
        lost = len(answered) - (counted if board_answers is None else min(counted, board_answers))
        return {"students": len(self.students), "answered": len(answered), "counted_on_projector": counted,
                "counted_in_board_file": board_answers, "lost": max(lost, 0),
                "question_to_screen_seconds": summary([s.question_wait for s in self.students
                                                       if s.question_wait is not None]),
                "answer_spread_seconds": last_answer - min(at for _, at in answered) if answered else None,
                "last_answer_to_projector_seconds": shown - last_answer if shown and last_answer else None,
                "errors": self.errors}


def board_answers(path):
    """How many answers the board's file holds for its last question (round 1), or None without a file."""
    if not path or not Path(path).exists():
        return None
    with contextlib.closing(sqlite3.connect(path)) as connection:
        row = connection.execute("SELECT count(*) FROM answers WHERE question = (SELECT max(id) FROM questions) "
                                 "AND round = 1").fetchone()
    return row[0]


def percentile(values, q):
    """The q-th percentile (0..100) by linear interpolation; NaN for no values."""
    values = sorted(values)
    if not values:
        return float("nan")
    position = (len(values) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def summary(values):
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "max": max(values, default=float("nan"))}


def common_figures(visitors):
    """The figures both kinds of visitor measure: training, draw -> prediction, self-paused runs."""
    return {
        "training_wall_seconds": summary([v.training[0] for v in visitors if v.training]),
        "training_reported_seconds": summary([v.training[1] for v in visitors if v.training]),
        "draw_to_prediction_seconds": summary([v.prediction for v in visitors if v.prediction is not None]),
        "self_paused_runs": sum(v.pauses for v in visitors),
    }


def protocol_figures(visitors):
    pages = {}
    for v in visitors:
        for name, seconds in v.renders.items():
            pages.setdefault(name, []).append(seconds)
    return {"sessions": len(visitors), "page_seconds": {name: summary(values) for name, values in pages.items()},
            "page_seconds_all_pages": summary([s for values in pages.values() for s in values]),
            **common_figures(visitors),
            "live_chart_reruns_asked_per_session": summary([v.auto_reruns_sent for v in visitors]),
            "live_chart_reruns_done_per_session": summary([v.redraws for v in visitors]),
            "live_chart_seconds_between_redraws": summary([s for v in visitors for s in v.redraw_gaps]),
            "received_mb_per_session": summary([v.bytes_received / 1e6 for v in visitors])}


def browser_figures(visitors):
    ready, drawn = {}, {}
    for v in visitors:
        for name, (to_ready, to_drawn) in v.renders.items():
            ready.setdefault(name, []).append(to_ready)
            drawn.setdefault(name, []).append(to_drawn)
    return {"sessions": len(visitors), "ready_seconds": {name: summary(values) for name, values in ready.items()},
            "drawn_seconds": {name: summary(values) for name, values in drawn.items()},
            "drawn_seconds_all_pages": summary([s for values in drawn.values() for s in values]),
            **common_figures(visitors)}


def print_common(figures, training_label, draw_label):
    print(f"  {'seconds':<34}{'n':>4}{'p50':>8}{'p95':>8}{'max':>8}")
    for label, key in ((training_label, "training_wall_seconds"),
                       ("training, reported by the page", "training_reported_seconds"),
                       (draw_label, "draw_to_prediction_seconds")):
        s = figures[key]
        print(f"  {label:<34}{s['n']:>4}{s['p50']:>8.2f}{s['p95']:>8.2f}{s['max']:>8.2f}")
    print(f"  training runs that paused by themselves (no redraw for a while) and were resumed: "
          f"{figures['self_paused_runs']}")


def print_protocol(figures):
    print(f"protocol visitors ({figures['sessions']}, no browser): the server's time, from the rerun request to "
          "script_finished")
    print(f"  {'seconds':<34}{'n':>4}{'p50':>8}{'p95':>8}{'max':>8}")
    for name, s in [*figures["page_seconds"].items(), ("all pages", figures["page_seconds_all_pages"])]:
        print(f"  {name:<34}{s['n']:>4}{s['p50']:>8.2f}{s['p95']:>8.2f}{s['max']:>8.2f}")
    print_common(figures, "training, Train -> ✅ run ends", "draw -> prediction run ends")
    asked, done = figures["live_chart_reruns_asked_per_session"], figures["live_chart_reruns_done_per_session"]
    gaps = figures["live_chart_seconds_between_redraws"]
    print(f"  while training, the live chart's fragment rerun: asked {asked['p50']:.0f} times per session (p50), "
          f"done {done['p50']:.0f} times; the chart moved every {gaps['p50']:.2f} s (p50), {gaps['p95']:.2f} s (p95)")
    received = figures["received_mb_per_session"]
    print(f"  messages received per session (uncompressed): {received['p50']:.1f} MB (p50), "
          f"{received['max']:.1f} MB (max)")


def print_browser(figures):
    print(f"browser visitors ({figures['sessions']}, headless Chromium on this machine): click in the sidebar -> "
          "script output on screen (ready) -> every chart drawn (drawn)")
    print(f"  {'seconds':<30}{'n':>4}{'ready p50':>11}{'p95':>7}{'drawn p50':>11}{'p95':>7}{'max':>7}")
    for name in figures["drawn_seconds"]:
        r, d = figures["ready_seconds"][name], figures["drawn_seconds"][name]
        print(f"  {name:<30}{d['n']:>4}{r['p50']:>11.2f}{r['p95']:>7.2f}{d['p50']:>11.2f}{d['p95']:>7.2f}"
              f"{d['max']:>7.2f}")
    s = figures["drawn_seconds_all_pages"]
    print(f"  {'all pages':<30}{s['n']:>4}{'':>18}{s['p50']:>11.2f}{s['p95']:>7.2f}{s['max']:>7.2f}")
    print_common(figures, "training, click -> ✅ on screen", "draw -> prediction on screen")


def class_board(path):
    """What the server's class board holds once it has stopped: runs, the visitors who posted them, finished ones."""
    if not Path(path).exists():
        return {"runs": 0, "visitors": 0, "finished": 0}
    with contextlib.closing(sqlite3.connect(path)) as connection:
        runs, visitors, finished = connection.execute(
            "SELECT count(*), count(DISTINCT visitor), coalesce(sum(status = 'finished'), 0) FROM runs").fetchone()
    return {"runs": runs, "visitors": visitors, "finished": finished}


def report(visitors, memory, start_info, machine, wall, read_seconds=0.0, url=None, board=None, distinct_seeds=False,
           poll=None):
    """Print the figures and return them. `url`: the address the class was sent to when this test did not start
    the server; `memory` None and machine["server_cpu"] None when the server's processes are not known. `board`:
    what the class board held after the server stopped (None when this test did not start the server)."""
    errors = [f"session {v.number} ({v.kind}): {e}" for v in visitors for e in v.errors]
    trained = sum(1 for v in visitors if v.training)
    if board is not None and board["visitors"] < trained:
        errors.append(f"class board: runs of {board['visitors']} visitors, but {trained} visitors trained")
    kinds = {kind: [v for v in visitors if v.kind == kind] for kind in ("protocol", "browser")}
    result = {
        "sessions": len(visitors), "read_seconds": read_seconds, "distinct_seeds": distinct_seeds, "errors": errors,
        "visitors": {kind: len(group) for kind, group in kinds.items()},
        **{kind: figures(kinds[kind]) for kind, figures in (("protocol", protocol_figures),
                                                           ("browser", browser_figures)) if kinds[kind]},
        "url": url,
        "server_memory_mb": {"after_start": start_info["rss"] / 1e6, "peak": memory.peak / 1e6,
                             "peak_pss": memory.peak_pss / 1e6, "processes": memory.processes} if memory else None,
        "server_start_seconds": None if url else {"health": start_info["health"],
                                                  "first_page": start_info["first_page"]},
        "cpu_seconds": {"server": machine["server_cpu"], "server_process": machine["server_process_cpu"],
                        "whole_machine": machine["busy"],
                        "this_script": machine["script_cpu"], "available": wall * os.cpu_count()},
        "load_average": {"before": machine["load_before"], "after": machine["load_after"]}, "wall_seconds": wall,
        "class_board": board, "poll": poll,
    }
    if poll is not None:
        errors += poll["errors"] + ([f"ask the room: {poll['lost']} answers lost"] if poll["lost"] else [])
    cpu = result["cpu_seconds"]
    line = "-" * 72
    print(line)
    where = f"through {url}" if url else "on one server"
    runs = "each visitor trains a seed of their own" if distinct_seeds else "every visitor trains the same run"
    print(f"Load test: {len(visitors)} sessions at once {where} ({len(kinds['protocol'])} protocol visitors, "
          f"{len(kinds['browser'])} in browsers), {wall:.0f} s in all; {read_seconds:g} s on each page before the "
          f"next; {runs}")
    print(f"load average (1, 5, 15 min) before: {fmt_load(machine['load_before'])}; after: "
          f"{fmt_load(machine['load_after'])}; {os.cpu_count()} CPUs")
    if cpu["server"] is None:
        print(f"CPU seconds: the whole machine {cpu['whole_machine']:.0f} (this script itself: "
              f"{cpu['this_script']:.0f}), of {cpu['available']:.0f} available (wall x CPUs); the server's share is "
              "not measured (--pid names its process)")
    else:
        print(f"CPU seconds: server {cpu['server']:.0f} (its own process {cpu['server_process']:.0f}, its training "
              f"workers {cpu['server'] - cpu['server_process']:.0f}), everything else on the machine "
              f"{cpu['whole_machine'] - cpu['server']:.0f} (this script itself: {cpu['this_script']:.0f}), "
              f"of {cpu['available']:.0f} available (wall x CPUs)")
        others = (cpu["whole_machine"] - cpu["server"] - cpu["this_script"]) / cpu["available"]
        if others > 0.1:
            print(f"⚠️ other work on this machine took {others:.0%} of its CPU during the test: the figures are "
                  "disturbed")
    if not url:
        print(f"server start: /_stcore/health after {start_info['health']:.1f} s, '/' served after "
              f"{start_info['first_page']:.1f} s")
    print(line)
    print(f"errors: {len(errors)}")
    for error in errors[:20]:
        print("  " + error)
    if kinds["protocol"]:
        print_protocol(result["protocol"])
    if kinds["browser"]:
        print_browser(result["browser"])
    if poll is not None:
        seen = poll["question_to_screen_seconds"]
        print(f"ask the room: {poll['answered']} of {poll['students']} students answered within "
              f"{poll['answer_spread_seconds'] or 0:.1f} s; counted on the projector: {poll['counted_on_projector']}"
              + ("" if poll["counted_in_board_file"] is None else
                 f", in the board's file: {poll['counted_in_board_file']}") + f"; lost: {poll['lost']}")
        wait = poll["last_answer_to_projector_seconds"]
        print(f"  question -> on a student's screen: p50 {seen['p50']:.2f} s, p95 {seen['p95']:.2f} s, max "
              f"{seen['max']:.2f} s; last answer -> the projector's count: "
              + ("never" if wait is None else f"{wait:.2f} s"))
    if board is not None:
        print(f"class board after the server stopped: {board['runs']} runs ({board['finished']} finished) from "
              f"{board['visitors']} visitors; {trained} visitors trained to the end")
    if memory:
        memory_mb = result["server_memory_mb"]
        print(f"server memory, its training workers included ({memory_mb['processes']} processes at most): "
              f"{memory_mb['after_start']:.0f} MB {'at the start' if url else 'after start'}, peak "
              f"{memory_mb['peak']:.0f} MB (resident memory added up), {memory_mb['peak_pss']:.0f} MB (PSS: shared "
              "pages counted once)")
    print(line)
    return result


def fmt_load(load):
    return ", ".join(f"{x:.2f}" for x in load)


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="visitors at once (default 20)")
    parser.add_argument("--clients", choices=("protocol", "browser"), default="protocol",
                        help="protocol: visitors without a browser, speaking Streamlit's websocket protocol (the "
                             "default); browser: every visitor in headless Chromium on this machine")
    parser.add_argument("--browsers", type=int, default=0,
                        help="with --clients protocol: how many of the visitors are real browsers (default 0)")
    parser.add_argument("--ramp", type=float, default=0.5, help="seconds between two visitors' arrivals")
    parser.add_argument("--read", type=float, default=0.0,
                        help="seconds each visitor spends on a page before opening the next (default 0: straight "
                             "on, the hardest case; a student reading takes far longer)")
    parser.add_argument("--time-limit", type=float, default=900, help="seconds before everything is stopped")
    parser.add_argument("--full-mnist", action="store_true", help="keep MNIST_PATH (default: bundled sample)")
    parser.add_argument("--distinct-seeds", action="store_true",
                        help="visitor n trains the notebook preset with seed n (default: every visitor trains the "
                             "same run, as when everyone opens the teacher's link)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--url", help="send the class to this address instead of starting a server (e.g. nginx in "
                                      "front of several app processes: deploy/serve.py)")
    parser.add_argument("--pid", type=int, help="with --url: the process that serves it (deploy/serve.py's), whose "
                                                "memory and CPU time, with its children's, are reported")
    parser.add_argument("--poll", action="store_true",
                        help="the teacher asks the room a question: the protocol visitors answer it after Home")
    parser.add_argument("--key", help="with --url --poll: the server's class key (CLASS_KEY)")
    parser.add_argument("--board", type=Path, help="with --url --poll: the server's board file, to count the "
                                                    "answers in it too")
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be from 1 to {MAX_SESSIONS}")
    if args.clients == "browser" and args.browsers:
        parser.error("--browsers goes with --clients protocol (--clients browser makes every visitor a browser)")
    browsers = args.sessions if args.clients == "browser" else args.browsers
    if not 0 <= browsers <= args.sessions:
        parser.error("--browsers must be from 0 to --sessions")
    if browsers and not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    if args.url and args.full_mnist:
        parser.error("--full-mnist is for the server this test starts; with --url the server chose its data")
    if args.pid and not args.url:
        parser.error("--pid goes with --url")
    if args.url and args.poll and not args.key:
        parser.error("--poll with --url needs --key, the server's class key")
    if (args.key or args.board) and not (args.url and args.poll):
        parser.error("--key and --board go with --url --poll")
    if args.poll and args.clients == "browser":
        parser.error("--poll: the protocol visitors answer (--clients protocol)")
    key = (args.key or secrets.token_hex(8)) if args.poll else None

    machine = {"load_before": os.getloadavg()}
    server, board_path = None, None
    if args.url:
        url, pid = args.url.rstrip("/"), args.pid
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=10).close()
        except OSError as error:
            raise SystemExit(f"{url} does not answer: {error}") from None
        start_info = {}
    else:
        board_path = Path(tempfile.mkdtemp()) / "class_board.sqlite3"  # this class's board only
        server, url, health, first_page = start_server(args.full_mnist, board_path, key)
        pid = server.pid
        start_info = {"health": health, "first_page": first_page}
    start_info["rss"] = rss_bytes(pid) if pid else 0
    memory = MemoryWatch(pid) if pid else None
    try:
        started = time.perf_counter()
        cpu_before = (cpu_seconds(pid) if pid else 0, machine_busy_seconds(), own_cpu_seconds(),
                      cpu_seconds(pid, descendants=False) if pid else 0)
        lesson = whole_class(url, args.sessions, browsers, args.ramp, args.time_limit, args.read, args.distinct_seeds,
                             key)
        visitors, teacher = asyncio.run(lesson)
        wall = time.perf_counter() - started
        machine.update(server_cpu=cpu_seconds(pid) - cpu_before[0] if pid else None,
                       server_process_cpu=cpu_seconds(pid, descendants=False) - cpu_before[3] if pid else None,
                       busy=machine_busy_seconds() - cpu_before[1], script_cpu=own_cpu_seconds() - cpu_before[2],
                       load_after=os.getloadavg())
    finally:
        if memory:
            memory.stop()
        if server:
            workers = process_tree(server.pid)[1:]
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
            left_behind(workers)
    poll = teacher.figures(board_answers(board_path or args.board)) if teacher else None
    result = report(visitors, memory, start_info, machine, wall, args.read, args.url and url,
                    class_board(board_path) if board_path else None, args.distinct_seeds, poll)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
