"""deploy/serve.py: two app processes behind nginx on loopback ports, and six visitors through the lesson.

The visitors speak Streamlit's protocol (benchmarks/protocol_client.py) and keep cookies as a browser does.
Checked: each visitor stays on one process (nginx's log; their trained network still there after page changes
and after a dropped websocket); the visitors of a process that dies mid-lesson reconnect, as Streamlit's page
does, and get a fresh session on the other process, never another visitor's; the others are not disturbed;
and once the launcher stops (SIGTERM, Ctrl-C, or killed outright) no process of it is left. In Chromium through
nginx, a CSV and a saved network uploaded by one visitor reach their own process and session, and no one else's.
"""

import asyncio
import concurrent.futures
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from load_test import PAGES, process_tree
from protocol_client import ProtocolVisitor, StreamlitTab

ROOT = Path(__file__).resolve().parents[1]
COOKIE = "nn_visitor"  # the cookie nginx gives (deploy/nginx.conf)
PER_PROCESS = 3  # visitors on each of the two processes
STEP_TIMEOUT = 240  # seconds for one page or one training run; the whole class trains at once on 2 cores
# The Training page from a shared link: the notebook's network and settings, 100 steps instead of 500, so that
# six runs at once end in seconds even on a busy machine.
TRAINING_LINK = "iterations=100"
UNTRAINED, TRAINED = "**This network is untrained**", "**Your network:**"


# ---------------------------------------------------------------------------------------------------------
# The launcher
# ---------------------------------------------------------------------------------------------------------


def free_ports(count):
    """A port such that it and the `count` - 1 after it are free on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + count > 65535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as s:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
                    s.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError("no free ports")


class Launcher:
    """`python deploy/serve.py` in a process of its own, and what it printed."""

    def __init__(self, processes, run_dir=None):
        self.port = free_ports(processes + 1)
        command = [sys.executable, "deploy/serve.py", "--processes", str(processes), "--port", str(self.port)]
        command += ["--run-dir", str(run_dir)] if run_dir else []
        env = {k: v for k, v in os.environ.items() if k != "MNIST_PATH"}  # the bundled sample, as everywhere
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout=180):
        deadline = time.monotonic() + timeout
        while not any("Ctrl-C stops everything" in line for line in self.lines):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail("deploy/serve.py did not start:\n" + "".join(self.lines))
            time.sleep(0.2)

    def app_pids(self):
        """App port -> pid, as the launcher printed them."""
        found = [re.search(r"app process (\d+) on [\d.]+:(\d+)", line) for line in self.lines]
        return {int(m.group(2)): int(m.group(1)) for m in found if m}

    def run_dir(self):
        return Path(next(re.search(r"logs in (\S+);", line).group(1) for line in self.lines if "logs in" in line))

    def stop(self, how=signal.SIGTERM, timeout=60):
        """Send `how` to the launcher, wait for it, and return every process of its tree that is still alive."""
        tree = process_tree(self.process.pid)
        self.process.send_signal(how)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail("deploy/serve.py did not stop in time:\n" + "".join(self.lines))
        self.reader.join(timeout=5)
        return left_alive(tree)


def left_alive(pids, timeout=20):
    """The processes among `pids` still running (not zombies) after up to `timeout` s of waiting."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if is_running(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def is_running(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------------------
# nginx's log: which process served which visitor
# ---------------------------------------------------------------------------------------------------------

LOG_LINE = re.compile(r"visitor=(?P<visitor>\S+) upstream=(?P<upstream>.*)$")


def log_entries(path, start=0, end=None):
    """(visitor, port of the process that answered) for each line of the access log between bytes `start` and
    `end`; when nginx had to try several processes, the last one answered."""
    with open(path, "rb") as log:
        log.seek(start)
        text = log.read(-1 if end is None else end - start).decode()
    entries = []
    for line in text.splitlines():
        m = LOG_LINE.search(line)
        if m and m["upstream"] != "-":
            entries.append((m["visitor"], int(m["upstream"].split(",")[-1].strip().rsplit(":", 1)[1])))
    return entries


def processes_by_visitor(entries):
    served = {}
    for visitor, port in entries:
        served.setdefault(visitor, set()).add(port)
    return served


def first_visit_cookie(url):
    """A browser's first request, without a cookie: the cookie nginx gives it."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url + "/", timeout=30) as response:
        response.read()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    return cookies[COOKIE].value


def cookies_on_each_process(url, access_log, ports, count):
    """First visits until `count` of them landed on each process: port -> their cookies. The cookie is random,
    so the process is a coin toss for each; taking three of each makes the test the same every time."""
    chosen = {port: [] for port in ports}
    for _ in range(100):
        cookie = first_visit_cookie(url)
        for _ in range(50):  # nginx writes the log line as the answer leaves
            port = next((port for visitor, port in log_entries(access_log) if visitor == cookie), None)
            if port is not None:
                break
            time.sleep(0.05)
        if len(chosen[port]) < count:
            chosen[port].append(cookie)
        if all(len(cookies) == count for cookies in chosen.values()):
            return chosen
    pytest.fail(f"100 first visits did not give {count} on each process: {chosen}")


# ---------------------------------------------------------------------------------------------------------
# The class
# ---------------------------------------------------------------------------------------------------------


class Student:
    """One visitor: a tab with the cookie nginx gave them, the process it leads to, and the sessions they had."""

    def __init__(self, number, url, cookie, port):
        self.tab = StreamlitTab(url, STEP_TIMEOUT)
        self.tab.cookies[COOKIE] = cookie
        self.cookie, self.port = cookie, port
        self.helper = ProtocolVisitor(number, url, PAGES, STEP_TIMEOUT)  # its Train and draw moves

    async def page(self, path, query_string=""):
        await self.tab.open_page(path, query_string)
        assert self.tab.has_heading(PAGES[path]), f"{path}: no title"
        assert not self.tab.exceptions, self.tab.exceptions

    async def until_trained(self):
        """Home, the data, the forward pass (untrained), Training (from a link, trained to the end), then the
        forward pass again: their network is there."""
        await self.tab.open()
        await self.tab.first_visit()
        self.session = self.tab.session_id
        await self.page("data")
        await self.page("forward")
        assert self.tab.has_alert(UNTRAINED)
        await self.page("training", TRAINING_LINK)
        await self.helper.train(self.tab)
        assert self.tab.progress_text().startswith("✅ finished · step 100 of 100"), self.tab.progress_text()
        await self.page("forward")
        assert self.tab.has_alert(TRAINED)
        assert self.tab.session_id == self.session

    async def wifi_blip(self):
        """The websocket drops and the page reconnects: back on the same process, which resumes the session."""
        await self.tab.reconnect()
        await self.page("training")
        await self.page("forward")
        assert self.tab.has_alert(TRAINED)
        assert self.tab.session_id == self.session

    async def rest_of_lesson(self):
        await self.page("experiments")
        await self.page("draw")
        await self.helper.draw_digit(self.tab)
        assert not self.helper.errors, self.helper.errors
        assert not self.tab.exceptions, self.tab.exceptions


def in_a_thread_of_its_own(coroutine):
    """asyncio.run in another thread: after the browser tests, Playwright's event loop still runs in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def all_of(coroutines, timeout=4 * STEP_TIMEOUT):
    await asyncio.wait_for(asyncio.gather(*coroutines), timeout)


async def lesson_with_a_process_dying(launcher, cookies, access_log):
    (port_a, pid_a), (port_b, _) = sorted(launcher.app_pids().items())
    given = [(port, cookie) for port in (port_a, port_b) for cookie in cookies[port]]
    students = [Student(n, launcher.url, cookie, port) for n, (port, cookie) in enumerate(given)]
    on_a = [s for s in students if s.port == port_a]
    on_b = [s for s in students if s.port == port_b]
    try:
        await all_of(s.until_trained() for s in students)
        await all_of(s.wifi_blip() for s in students)
        sessions = {s.session for s in students}
        assert len(sessions) == len(students)

        os.kill(pid_a, signal.SIGKILL)  # mid-lesson: they trained, Experiments and Draw are still to come
        for s in on_a:  # their page loses its connection
            await s.tab.wait_until(lambda tab=s.tab: tab.closed is not None, 30)
        await asyncio.sleep(0.5)  # nginx has logged the websockets that the dead process ended
        after_kill = os.path.getsize(access_log)
        assert all(s.tab.closed is None for s in on_b), "a visitor of the living process lost their connection"

        for s in on_a:  # Streamlit's reconnect: through nginx, to the process still alive, in a fresh session
            await s.tab.reconnect()
            await s.page("forward")
            assert s.tab.has_alert(UNTRAINED), "the new session has a network: someone else's"
            assert s.tab.session_id not in sessions, "the reconnect landed in another visitor's session"
            await s.page("training")
            assert s.tab.progress_text() == "", "the new session shows a training run"
        for s in on_b:  # undisturbed
            await s.page("forward")
            assert s.tab.has_alert(TRAINED)
            assert s.tab.session_id == s.session
        await all_of(s.rest_of_lesson() for s in students)
    finally:
        await asyncio.gather(*(s.tab.close() for s in students), return_exceptions=True)

    # Before the stop, every request of a visitor went to the process they were given; after it, to the other.
    before = processes_by_visitor(log_entries(access_log, end=after_kill))
    after = processes_by_visitor(log_entries(access_log, start=after_kill))
    for s in students:
        assert before[s.cookie] == {s.port}, f"before the stop, {s.cookie} was served by {before[s.cookie]}"
        assert after[s.cookie] == {port_b}, f"after the stop, {s.cookie} was served by {after[s.cookie]}"


def test_two_processes_behind_nginx_keep_each_visitor_and_survive_one_dying(nginx, tmp_path):
    launcher = Launcher(processes=2, run_dir=tmp_path / "run")
    try:
        launcher.wait_ready()
        ports = sorted(launcher.app_pids())
        assert len(ports) == 2
        access_log = tmp_path / "run" / "access.log"
        cookies = cookies_on_each_process(launcher.url, access_log, ports, PER_PROCESS)
        in_a_thread_of_its_own(lesson_with_a_process_dying(launcher, cookies, access_log))
        dead = f"the app process on port {ports[0]} ended"
        assert any(line.startswith(dead) for line in launcher.lines), "the launcher did not report the dead process"
    finally:
        left = launcher.stop(signal.SIGTERM)
    assert not left, f"processes left running after SIGTERM: {left}"
    assert launcher.lines[-1].strip() == "stopped"


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "killed"])
def test_the_launcher_leaves_no_process_behind(nginx, how):
    """Ctrl-C stops everything and removes the temporary run folder; killed outright, the launcher cannot
    clean up, but the kernel still stops its children."""
    launcher = Launcher(processes=1)
    launcher.wait_ready()
    run_dir = launcher.run_dir()
    assert (run_dir / "nginx.pid").exists()
    left = launcher.stop(how)
    assert not left, f"processes left running: {left}"
    if how == signal.SIGINT:
        assert not run_dir.exists()
    else:
        shutil.rmtree(run_dir)


# ---------------------------------------------------------------------------------------------------------
# Uploads through nginx, in a real browser
# ---------------------------------------------------------------------------------------------------------

REQUEST_LINE = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d+) visitor=(?P<visitor>\S+) upstream=(?P<upstream>.*)$')


def requests_of(path, visitor):
    """(request line, status, port of the process that answered) of each request of `visitor` in the access log."""
    found = []
    for line in Path(path).read_text().splitlines():
        m = REQUEST_LINE.search(line)
        if m and m["visitor"] == visitor and m["upstream"] != "-":
            found.append((m["request"], int(m["status"]), int(m["upstream"].split(",")[-1].strip().rsplit(":", 1)[1])))
    return found


def file_input(page, label):
    """The <input type=file> of the st.file_uploader whose label holds `label`."""
    return page.locator('[data-testid="stFileUploader"]', has_text=label).locator('input[type="file"]')


@pytest.mark.browser
def test_uploads_through_nginx_reach_the_visitors_own_process_and_no_one_else(nginx, browser):
    """A browser through nginx uploads a CSV on the Data page and a saved network on the Training page: both reach
    the process that holds the visitor's session (in nginx's log every request of theirs, the two uploads too, went
    to that process), the pages use them, and another visitor of the same process sees neither."""
    from conftest import AppPage
    from playwright.sync_api import expect
    from visitors import csv_of_sample_digits

    from nn_core.persistence import save_model
    from nn_core.training import NOTEBOOK, new_network

    # The launcher's own temporary run folder: as root, nginx's workers (nobody) write an upload's body there, and
    # they cannot reach a folder inside pytest's private tmp_path.
    launcher = Launcher(processes=2)
    tabs = []
    try:
        launcher.wait_ready()
        access_log = launcher.run_dir() / "access.log"
        ports = sorted(launcher.app_pids())
        port = ports[0]
        anna_cookie, ben_cookie = cookies_on_each_process(launcher.url, access_log, ports, 2)[port]
        for cookie in (anna_cookie, ben_cookie):  # two browsers that nginx sends to the same process
            tabs.append(AppPage(browser, launcher.url, {"width": 1440, "height": 900}))
            tabs[-1].context.add_cookies([{"name": COOKIE, "value": cookie, "url": launcher.url}])
        anna, ben = tabs

        anna.open("data")
        file_input(anna.page, "upload your own CSV").set_input_files(
            files=[{"name": "anna.csv", "mimeType": "text/csv", "buffer": csv_of_sample_digits(300)}])
        expect(anna.page.get_by_text("In use: 300 labelled digits from anna.csv")).to_be_visible()
        anna.wait_idle()
        anna.page.get_by_role("link", name="Training").click()  # the app's own navigation: the same session
        expect(anna.page.get_by_text("Data in use: 300 labelled digits from anna.csv")).to_be_visible()
        anna.page.get_by_role("tab", name="💾 Save / load").click()
        hp = NOTEBOOK.with_changes(hidden_sizes=(12,), seed=5)
        network = save_model(new_network(hp), hp)
        file_input(anna.page, "Load a network saved by this app").set_input_files(
            files=[{"name": "anna.npz", "mimeType": "application/octet-stream", "buffer": network}])
        expect(anna.page.get_by_text("Loaded anna.npz: 784-12-10 relu", exact=False).first).to_be_visible()
        expect(anna.page.get_by_text("Your network: 784-12-10 relu")).to_be_visible()
        anna.assert_no_exception()

        ben.open("data")
        expect(ben.page.get_by_text("In use: Bundled sample")).to_be_visible()
        expect(ben.page.locator('[data-testid="stRadio"]').first.get_by_role("radio")).to_have_count(1)  # no CSV
        ben.page.get_by_role("link", name="Training").click()
        expect(ben.page.get_by_text("Your network: 784-10-10 relu, untrained")).to_be_visible()
        expect(ben.page.get_by_text(re.compile(r"anna\.(csv|npz)"))).to_have_count(0)
        ben.assert_no_exception()

        for cookie in (anna_cookie, ben_cookie):
            assert {served for _, _, served in requests_of(access_log, cookie)} == {port}
        uploads = [(request, status) for request, status, _ in requests_of(access_log, anna_cookie)
                   if "/_stcore/upload_file/" in request and not request.startswith("DELETE")]
        assert len(uploads) == 2 and all(status < 300 for _, status in uploads), uploads
    finally:
        for tab in tabs:
            tab.close()
        left = launcher.stop(signal.SIGTERM)
    assert not left, f"processes left running after SIGTERM: {left}"
