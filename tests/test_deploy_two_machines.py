"""A school on two machines: one PostgreSQL, two groups of app processes, one nginx in front of both.

Each group is started as an app machine starts it, `deploy/serve.py --no-proxy --processes 1`, with the board's URL
(group A: --class-board URL; group B: CLASS_BOARD_URL in its environment, as the README advises) and the teacher's
class key in its environment; nginx by `deploy/serve.py --processes 0 --upstream A --upstream B`. Here all run on
loopback ports, and the board is a fresh database of the tests' private PostgreSQL. The visitors speak Streamlit's
protocol through nginx (benchmarks/protocol_client.py), each with the cookie that leads it to the group it stands
for. Checked: a run trained by a visitor of group A is on the Class page of a visitor of group B within 2 s of being
posted to the database (plus the time of the page's reading that shows it); the teacher's question, asked on group
A, shows above the page of a student of group B as soon, and their answer is counted on the teacher's screen; each
visitor's requests all reached their own process (nginx's log); and once the launchers stop, no process of theirs is
left. Also: a board's URL with a wrong password (--class-board or CLASS_BOARD_URL) stops the launcher at once,
saying why, never with the password.
"""

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest
from load_test import KeyedServerVisitor
from protocol_client import StreamlitTab
from streamlit.proto.WidgetStates_pb2 import WidgetState
from test_deploy import (
    COOKIE,
    ROOT,
    Launcher,
    cookies_on_each_process,
    free_ports,
    in_a_thread_of_its_own,
    log_entries,
    processes_by_visitor,
)

KEY = "kestrel-57"  # the teacher's key, the same on both machines
STEP_TIMEOUT = 120  # seconds for one page or the short training run, on a busy 2-core machine
TRAINING_LINK = "iterations=100"  # the notebook's network and settings, 100 steps: a run of a second or two
# How soon a post on one machine is on a screen of the other, from the moment it is in the database. The Class page
# reads the board every 2 s (views/class_page/page.py, REFRESH), a student's question panel every 1 s
# (dashboard/ask_room.py, POLL): the reading that shows the post must start within WITHIN s of it, and the post is on
# the screen once that reading has drawn it (on a quiet machine a few tenths of a second; longer under load).
WITHIN = 2.0


class Serve(Launcher):
    """`python deploy/serve.py ARGUMENTS` in a process of its own, as test_deploy.Launcher, with any arguments and
    environment: an app machine (--no-proxy) or the proxy machine (--processes 0 --upstream ...)."""

    def __init__(self, arguments, environ, url=None):
        self.process = subprocess.Popen([sys.executable, "deploy/serve.py", *map(str, arguments)], cwd=ROOT,
                                        env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()
        self.url = url


def machine_environment():
    """What a machine of the school has: the bundled sample (no MNIST_PATH, as in every test) and the class key."""
    return {**{k: v for k, v in os.environ.items() if k != "MNIST_PATH"}, "CLASS_KEY": KEY}


class BoardWatch:
    """When each thing first reached the database: a thread counting its runs and questions every 20 ms, straight
    from PostgreSQL (the apps post through their writers; this is the moment another machine can read it)."""

    def __init__(self, url):
        self.url, self.first = url, {}  # "runs" / "questions" -> time.perf_counter() of the first row seen
        self.error = None  # what stopped the watch, if anything did
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        try:
            with psycopg.connect(self.url, autocommit=True) as connection:
                while not self.stopped.wait(0.02):
                    for table in ("runs", "questions"):
                        if table not in self.first and \
                                connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
                            self.first[table] = time.perf_counter()
        except psycopg.Error as error:
            self.error = error

    def posted(self, table):
        """When the first row of `table` was seen in the database."""
        assert table in self.first, f"no row in {table} (the watch: {self.error or 'still running'})"
        return self.first[table]

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)


class Tab(StreamlitTab):
    """A tab that notes when it asks for each run of a fragment: when the page asked to read the board again."""

    def __init__(self, base_url, timeout):
        super().__init__(base_url, timeout)
        self.asked = {}  # fragment id -> time.perf_counter() of each request for a run of it

    async def send_rerun(self, page_hash=None, page_name="", fragment_id="", is_auto_rerun=False, pressed=()):
        if fragment_id:
            self.asked.setdefault(fragment_id, []).append(time.perf_counter())
        await super().send_rerun(page_hash, page_name, fragment_id, is_auto_rerun, pressed)

    def fragment_of(self, kind, matches):
        """The fragment that drew the first element of `kind` for which matches(element) holds."""
        return next(shown.fragment_id for shown in self.shown.values() if shown.kind == kind and matches(shown.element))

    def reading(self, fragment_id, seen):
        """Seconds from this tab's last request for a run of the fragment to `seen`: the reading of the board that
        showed what was seen then (0 if the fragment was never asked for)."""
        return seen - max(self.asked.get(fragment_id, []), default=seen)


async def tab_on(url, cookie, path="", query_string=""):
    """A visitor's tab through nginx with `cookie` (so on the process it leads to), on the page at `path`."""
    tab = Tab(url, STEP_TIMEOUT)
    tab.cookies[COOKIE] = cookie
    await tab.open()
    await tab.first_visit()
    if path:
        await tab.open_page(path, query_string)
    assert not tab.exceptions, tab.exceptions
    return tab


async def a_class_on_two_machines(url, cookies, board):
    """Group A: a visitor who trains, the teacher. Group B: a visitor on the Class page, a student on Home.
    Returns {what: seconds} of the delays measured, and {what: seconds} of the reading that showed each post."""
    (trainer, teacher_cookie), (watcher_cookie, student_cookie) = cookies
    tabs, delays, readings = [], {}, {}
    try:
        watcher = await tab_on(url, watcher_cookie, "class")  # group B, the board live on their screen
        student = await tab_on(url, student_cookie)  # group B, on Home: the question panel above the page
        tabs += [watcher, student]
        assert watcher.metric_value("Runs") == "0", watcher.metric_value("Runs")

        # A visitor of group A trains; the run is posted when it ends, and B's Class page reads the board by itself.
        training = await tab_on(url, trainer, "training", TRAINING_LINK)
        tabs.append(training)
        await training.press("▶️ Train")
        # Until the page says the run has ended (the tab is never idle on a server with a class key: see load_test).
        ended = await KeyedServerVisitor.end_of_run(training, STEP_TIMEOUT)
        assert ended.startswith("✅ finished · step 100 of 100"), ended
        finished = time.perf_counter()
        await watcher.wait_until(lambda: watcher.metric_value("Runs") == "1", 10 + WITHIN)
        seen = time.perf_counter()
        await watcher.wait_until(lambda: watcher.metric_value("Students") == "1", 10)  # the next element
        delays["run: posted on A -> on B's Class page"] = seen - board.posted("runs")
        readings["run: posted on A -> on B's Class page"] = watcher.reading(
            watcher.fragment_of("metric", lambda metric: metric.label == "Runs"), seen)
        delays["run: ✅ on A's screen -> on B's Class page"] = seen - finished
        assert not watcher.exceptions and not training.exceptions, watcher.exceptions + training.exceptions

        # The teacher, on group A, asks the room; the student on group B sees it above their page, and answers.
        teacher = await tab_on(url, teacher_cookie, "class", f"key={KEY}")
        tabs.append(teacher)
        assert student.answer_letters() is None, "a question before the teacher asked one"
        pressed = time.perf_counter()
        await teacher.press("📣 Ask the room")  # the page's run waits until the board has the question
        asked = time.perf_counter()
        await student.wait_until(lambda: student.answer_letters() is not None, 10 + WITHIN)
        seen = time.perf_counter()
        delays["question: posted on A -> above B's page"] = seen - board.posted("questions")
        readings["question: posted on A -> above B's page"] = student.reading(student.answer_letters()[2], seen)
        delays["question: Ask pressed on A -> above B's page"] = seen - pressed
        delays["question: Ask's page run on A done -> above B's page"] = seen - asked

        widget, letters, fragment = student.answer_letters()
        answer = WidgetState(id=widget)
        answer.string_array_value.data.append(letters[0])
        tapped = time.perf_counter()
        await student.send_fragment_value(answer, fragment)
        await teacher.wait_until(lambda: (teacher.metric_value("Answered") or "").startswith("1 of"), 10 + WITHIN)
        delays["answer: tapped on B -> counted on A's screen"] = time.perf_counter() - tapped
        for tab in tabs:
            assert not tab.exceptions, tab.exceptions
            assert tab.closed is None, f"a tab lost its connection: {tab.closed}"
    finally:
        await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
    await asyncio.sleep(0.5)  # nginx logs a websocket once it has closed
    return delays, readings


def test_a_school_on_two_machines_shares_one_board(nginx, postgres_url, tmp_path):
    """Two app machines and the proxy machine, each started by deploy/serve.py; the class between them."""
    started = time.perf_counter()
    first = free_ports(5)  # nginx; group A's --port and its app; group B's --port and its app
    proxy_port, ports = first, (first + 2, first + 4)
    machine = ["--no-proxy", "--processes", 1, "--port"]
    groups = [Serve([*machine, ports[0] - 1, "--class-board", postgres_url], machine_environment()),
              Serve([*machine, ports[1] - 1], {**machine_environment(), "CLASS_BOARD_URL": postgres_url})]
    proxy = board = None
    try:
        for group in groups:
            group.wait_ready()
        board = BoardWatch(postgres_url)  # the launchers made the board's tables before starting the apps
        for group, port in zip(groups, ports, strict=True):
            assert list(group.app_pids()) == [port], group.lines
        upstreams = [argument for port in ports for argument in ("--upstream", f"127.0.0.1:{port}")]
        proxy = Serve(["--processes", 0, *upstreams, "--port", proxy_port, "--run-dir", tmp_path / "run"],
                      machine_environment(), f"http://127.0.0.1:{proxy_port}")
        proxy.wait_ready()
        ready = time.perf_counter()
        access_log = tmp_path / "run" / "access.log"
        cookies = cookies_on_each_process(proxy.url, access_log, ports, 2)
        lesson = a_class_on_two_machines(proxy.url, [cookies[port] for port in ports], board)
        delays, readings = in_a_thread_of_its_own(lesson)
    finally:
        if board:
            board.stop()
        left = []
        try:
            left += proxy.stop(signal.SIGTERM) if proxy else []  # nginx first, as serve.py stops its own
        finally:
            for group in groups:
                group.process.send_signal(signal.SIGTERM)  # both machines at once, then wait for each
            for group in groups:
                left += group.stop(signal.SIGTERM)
    assert not left, f"processes left running after SIGTERM: {left}"
    assert all(launcher.lines[-1].strip() == "stopped" for launcher in [proxy, *groups])

    print(f"\nstarted (two app processes, nginx) in {ready - started:.1f} s; "
          f"whole test {time.perf_counter() - started:.1f} s")
    for what, seconds in delays.items():
        print(f"{what}: {seconds:.2f} s" + (f" (the reading that showed it: {readings[what]:.2f} s)"
                                           if what in readings else ""))
    for what, reading in readings.items():  # the page read the board again within WITHIN s, and showed the post
        assert delays[what] <= WITHIN + reading, f"{what}: {delays[what]:.2f} s"
    # Through nginx, every request of each visitor reached the process of the group it was given.
    served = processes_by_visitor(log_entries(access_log))
    for port in ports:
        for cookie in cookies[port]:
            assert served[cookie] == {port}, f"{cookie} was served by {served[cookie]}, not only {port}"


@pytest.mark.parametrize("given", ["--class-board", "CLASS_BOARD_URL"])
def test_a_wrong_password_stops_the_launcher_and_says_why(postgres_server, postgres_url, given):
    """An app machine given the school's board with a wrong password: exit code 2 before any app starts, a message
    that says the password was refused, and the password nowhere in it."""
    password = "not-" + secrets.token_urlsafe(12)
    wrong = postgres_server.url(postgres_url.rsplit("/", 1)[1], password=password)
    command = [sys.executable, "deploy/serve.py", "--no-proxy", "--processes", "1", "--port", str(free_ports(2))]
    environ = machine_environment()
    if given == "--class-board":
        command += ["--class-board", wrong]
    else:
        environ["CLASS_BOARD_URL"] = wrong
    done = subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60)
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert "password authentication failed" in said, said
    assert password not in said, said
    assert "app process" not in done.stdout, said  # nothing was started
