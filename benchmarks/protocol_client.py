"""A visitor without a browser: one Streamlit session driven through Streamlit's own websocket protocol.

A browser tab and the Streamlit server talk over one websocket, ws://HOST/_stcore/stream, in protobufs. The tab
sends BackMsgs; here only `rerun_script`, whose ClientState says which page to run and with which widget values.
The server answers with ForwardMsgs: `new_session` when a run starts, `navigation` (the pages and their hashes),
one `delta` per element the script shows, `auto_rerun` (rerun this fragment every few seconds) and
`script_finished` at the end of the run.

ProtocolVisitor goes through the lesson as the browser visitor of load_test.py does, and sends what the browser
would send, so the server does the same work; but it draws nothing, so it costs the machine almost no CPU: the
server is measured as if every student had their own computer. A page's time runs from the rerun request to
`script_finished`: the server's share of a student's wait (not the browser drawing the charts, not the network).

What it does as the browser's app does (read from Streamlit 1.67's frontend):
- widget values: every widget on screen has the value its element gave it (`value` when the script set it
  through st.session_state, else `default`) until the student changes it, and every rerun sends them all;
  pressing a button adds trigger_value=True for that button, for that one rerun;
- the message cache: large elements are kept by their hash, and each rerun lists the hashes kept, so the
  server may send a `ref_hash` instead of the element again; a kept element not used for
  max_cached_message_age runs is dropped;
- fragments: an `auto_rerun` message starts a timer that asks for that fragment again every `interval`
  seconds, whether or not the previous request has finished; a full run, or a page change, stops the timers;
- the drawing canvas (streamlit-drawable-canvas, a components-v2 component) reports a drawing as a
  `json_value` {"drawing": {"raw": <fabric.js JSON>, "data": "data:image/png;base64,<PNG>"}} for its widget id.
- cookies: the tab first loads the page ("/") and keeps the cookies it is given, then sends them with the
  websocket, as a browser does; a proxy in front of several app processes (deploy/) knows a visitor by one;
- reconnecting: when the websocket closes, the tab opens a new one naming the session it had, and the server
  resumes that session if it holds it, else starts a fresh one; the tab asks for a run only if one was going
  on (a run, or a fragment's timers).
The connection uses the `websockets` package (Streamlit 1.67 serves with Starlette and uvicorn and depends on
it; tornado is no longer part of Streamlit). The server reads the subprotocol header as
"streamlit, <XSRF token>, <session id to resume>"; like the browser, the client sends all three (the token
being the XSRF cookie, or the browser's placeholder without one).
"""

import asyncio
import base64
import collections
import io
import json
import re
import time
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie

import numpy as np
from PIL import Image
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

STREAM_PATH = "/_stcore/stream"
NO_TOKEN = "PLACEHOLDER_AUTH_TOKEN"  # what the browser sends in the token's place without an XSRF cookie
XSRF_COOKIE = "_streamlit_xsrf"
FULL_RUN_ENDS = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)
CANVAS_SIDE = 320  # the Draw page's canvas, in pixels
PEN_WIDTH = 24  # the Draw page's default pen
# The '7' the browser visitor draws, as fractions of the canvas: a bar along the top, then a stroke down-left.
SEVEN = [(0.25, 0.2), (0.75, 0.2), (0.4, 0.85)]


# ---------------------------------------------------------------------------------------------------------
# What a widget sends, as the browser's WidgetStateManager keeps it
# ---------------------------------------------------------------------------------------------------------


def shown_value(kind, widget):
    """The WidgetState a browser keeps for a widget just shown: the value its element gives it; None for widgets
    that send nothing until the student acts (buttons, the canvas)."""
    state = WidgetState(id=widget.id)
    if kind == "checkbox":  # also st.toggle
        state.bool_value = widget.value if widget.set_value else widget.default
    elif kind == "slider" and widget.type == Slider.SELECT_SLIDER:  # the options' labels
        labels = list(widget.raw_value) if widget.set_value and widget.raw_value else \
            [widget.options[int(index)] for index in widget.default]
        state.string_array_value.data.extend(labels)
    elif kind == "slider":
        state.double_array_value.data.extend(widget.value if widget.set_value else widget.default)
    elif kind in ("radio", "selectbox"):  # the option's label; no value at all when nothing is chosen
        if widget.set_value:
            if widget.HasField("raw_value"):
                state.string_value = widget.raw_value
        elif widget.HasField("default") and widget.options:
            state.string_value = widget.options[widget.default]
    elif kind == "number_input":
        number = widget.value if widget.set_value and widget.HasField("value") else \
            widget.default if widget.HasField("default") else None
        if number is not None and widget.data_type == NumberInput.INT:
            state.int_value = int(number)
        elif number is not None:
            state.double_value = number
    elif kind in ("text_input", "text_area"):
        text = widget.value if widget.set_value and widget.HasField("value") else \
            widget.default if widget.HasField("default") else None
        if text is not None:
            state.string_value = text
    elif kind == "button_group":  # st.segmented_control, st.pills: the chosen options' labels
        labels = list(widget.raw_values) if widget.set_value else \
            [option_label(widget.options[index]) for index in widget.default if index < len(widget.options)]
        state.string_array_value.data.extend(labels)
    elif kind == "file_uploader":  # no file yet
        state.file_uploader_state_value.SetInParent()
    else:
        return None
    return state


def option_label(option):
    return f"{option.content_icon} {option.content}".strip() if option.content_icon else option.content


# The widgets this app uses (and their relatives); others would be shown but never sent.
WIDGET_KINDS = {"button", "download_button", "checkbox", "slider", "radio", "selectbox", "number_input",
                "text_input", "text_area", "file_uploader", "bidi_component", "button_group"}


# ---------------------------------------------------------------------------------------------------------
# One session: the websocket and what the browser's tab would hold
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Shown:
    """An element or block on screen: where it came from (which run, which fragment, which script)."""

    kind: str  # "heading", "button", ... or "block"
    element: object  # the element's protobuf (Button, Progress, ...) or the Block
    run_id: str
    fragment_id: str
    script_hash: str  # app.py's own elements (the sidebar) stay when the page changes


@dataclass
class FinishedRun:
    started_at: int  # index of its new_session among the messages received
    finished_at: float  # time.perf_counter()
    status: int


class StreamlitTab:
    """One websocket, so one Streamlit session, and what a browser tab keeps of it: the pages, the elements on
    screen, the widgets' values, the message cache, the query string and the fragments' timers."""

    def __init__(self, base_url, timeout):
        self.base_url = base_url
        self.url = "ws" + base_url.removeprefix("http") + STREAM_PATH
        self.timeout = timeout  # seconds to wait for one run
        self.pages = {}  # URL path ("" for Home) -> page_script_hash
        self.page_hash = ""  # the page on screen
        self.main_hash = ""  # app.py's hash
        self.query_string = ""
        self.shown = {}  # delta path -> Shown
        self.widget_values = {}  # widget id -> WidgetState
        self.cache = {}  # message hash -> [serialized ForwardMsg, run count when last used, fragment id]
        self.cache_runs = 0
        self.advertised = set()  # the hashes sent with the last rerun request: the server may refer to them
        self.max_cache_age = 2
        self.timers = {}  # fragment id -> (interval, asyncio task)
        self.exceptions = []  # the text of every exception element received
        self.auto_reruns_sent = 0  # fragment reruns asked for by the timers
        self.ticks = collections.Counter()  # fragment id -> reruns its timer asked for
        self.last_message_at = None  # time.perf_counter() when the server's last message arrived
        self.fragment_run_ends = []  # time.perf_counter() at the end of each fragment run
        self.bytes_received = 0
        self.closed = None  # why the websocket closed, once it has
        self.busy_when_closed = False  # a run or a fragment's timers were going on when it closed
        self.cookies = {}  # name -> value, as the browser keeps them for this address
        self.session_id = ""  # the server's name for this tab's session, from its last run
        self.running = False  # a run has started and not finished
        self.last_full_run = None  # FinishedRun
        self.fragment_runs = {}  # fragment id -> the FinishedRun of its last run
        self.app_fragments = set()  # fragments app.py starts before the page (they tick on every page)
        self._page_drawn = False  # this full run has drawn an element of the page (not of app.py) already
        self._run_id, self._run_fragments, self._run_started_at = "", [], 0
        self._messages = 0
        self._changed = asyncio.Condition()
        self._socket = self._reader = None

    # --- The connection -------------------------------------------------------------------------------------

    async def open(self):
        """Load the page, keeping its cookies, then open the websocket."""
        await asyncio.to_thread(self._load_page)
        await self._connect()

    async def reconnect(self):
        """What the browser's tab does after its websocket closed: a new websocket naming the session to resume,
        then a run if one was going on. Afterwards `session_id` says which session the server gave."""
        await self.close()
        self.closed, self.running = None, False
        await self._connect(resume=True)
        if self.busy_when_closed:
            await self.run()

    def _load_page(self):
        """GET "/" as the browser's first request (no proxy: the server is on this machine)."""
        request = urllib.request.Request(self.base_url + "/", headers=self._cookie_header())
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=self.timeout) as response:
            response.read()
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])

    async def _connect(self, resume=False):
        tokens = ["streamlit", self.cookies.get(XSRF_COOKIE, NO_TOKEN)] + ([self.session_id] if resume else [])
        # No pings from this side (a browser sends none; the server's pings are answered); compression as a
        # browser offers it; no proxy: the server is on this machine.
        self._socket = await connect(self.url, subprotocols=tokens, additional_headers=self._cookie_header(),
                                     max_size=None, ping_interval=None, proxy=None, open_timeout=self.timeout)
        self._keep_cookies(self._socket.response.headers.get_all("Set-Cookie"))
        self._reader = asyncio.create_task(self._read())

    def _cookie_header(self):
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())} if self.cookies \
            else {}

    def _keep_cookies(self, set_cookie_headers):
        for header in set_cookie_headers:
            self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})

    async def close(self):
        self._stop_timers()
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self):
        try:
            async for data in self._socket:
                self.bytes_received += len(data)
                self._receive(ForwardMsg.FromString(data), data)
                async with self._changed:
                    self._changed.notify_all()
            self.closed = "the server closed the websocket"
        except ConnectionClosed as error:
            self.closed = f"the websocket closed: {error}"
        except Exception as error:  # a message this client cannot handle: the tab would be broken too
            self.closed = f"{type(error).__name__}: {error}"
            await self._socket.close()
        finally:
            self.busy_when_closed = not self.idle()
            self._stop_timers()
            async with self._changed:
                self._changed.notify_all()

    async def wait_until(self, condition, timeout):
        """Wait until condition() holds; TimeoutError after `timeout` s, ConnectionError if the websocket closed."""
        async def check():  # the condition's value when it was met: a message read after it may change it again
            async with self._changed:
                await self._changed.wait_for(lambda: condition() or self.closed is not None)
                return condition()
        if not await asyncio.wait_for(check(), timeout):
            raise ConnectionError(self.closed)

    # --- Requests -----------------------------------------------------------------------------------------

    async def send_rerun(self, page_hash=None, page_name="", fragment_id="", is_auto_rerun=False, pressed=()):
        """Ask for a run, as the browser does: the page, the query string, every widget's value, and the hashes
        of the cached messages. `pressed`: ids of buttons pressed for this run."""
        request = BackMsg()
        state = request.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.page_name = page_name
        state.fragment_id = fragment_id
        state.is_auto_rerun = is_auto_rerun
        state.cached_message_hashes.extend(self.cache)
        self.advertised = set(self.cache)
        for widget_id in self.widgets_on_screen():
            if widget_id in pressed:
                state.widget_states.widgets.add(id=widget_id, trigger_value=True)
            elif widget_id in self.widget_values:
                state.widget_states.widgets.append(self.widget_values[widget_id])
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        path = next((path for path, key in self.pages.items() if key == self.page_hash), "")  # the page shown
        info.url, info.color_scheme = f"{self.base_url}/{path}", "light"
        await self._socket.send(request.SerializeToString())

    async def run(self, **request):
        """Send a rerun request and wait for the full run it starts to finish; returns the seconds in between."""
        sent_at = self._messages
        started = time.perf_counter()
        await self.send_rerun(**request)
        await self.wait_until(lambda: self.last_full_run and self.last_full_run.started_at > sent_at, self.timeout)
        if self.last_full_run.status != ForwardMsg.FINISHED_SUCCESSFULLY:
            raise RuntimeError("the page's script did not compile")
        return self.last_full_run.finished_at - started

    async def first_visit(self):
        """Open the app at "/" (Home), as a fresh tab does."""
        return await self.run(page_hash="", page_name="")

    async def open_page(self, path, query_string=""):
        """Go to a page by its sidebar link: only app.py's elements (the sidebar) stay on screen, the fragments'
        timers stop, and the query string is dropped (or, for a link followed, is `query_string`). Returns the
        seconds to the page's end, or None if the navigation has no such page."""
        if path not in self.pages:
            return None
        self._stop_timers()
        self.shown = {where: shown for where, shown in self.shown.items() if shown.script_hash == self.main_hash}
        self.query_string = query_string
        return await self.run(page_hash=self.pages[path])

    async def press(self, label):
        """Press the button labelled `label`; returns the seconds until the run it starts has finished."""
        return await self.run(pressed={self.widget_id("button", lambda button: button.label == label, label)})

    async def send_fragment_value(self, state, fragment_id):
        """Give a widget inside a fragment a new value, as the browser does: a run of that fragment only. Returns
        the seconds until a run of it that started after the request has finished."""
        self.widget_values[state.id] = state
        sent_at, started = self._messages, time.perf_counter()
        await self.send_rerun(fragment_id=fragment_id)
        await self.wait_until(lambda: fragment_id in self.fragment_runs
                              and self.fragment_runs[fragment_id].started_at > sent_at, self.timeout)
        return self.fragment_runs[fragment_id].finished_at - started

    async def send_value(self, state):
        """Give a widget a new value (kept for later reruns too), and wait for the run; returns its seconds."""
        self.widget_values[state.id] = state
        return await self.run()

    # --- What is on screen --------------------------------------------------------------------------------

    def elements(self, kind):
        return [shown.element for shown in self.shown.values() if shown.kind == kind]

    def widgets_on_screen(self):
        return [shown.element.id for shown in self.shown.values() if shown.kind in WIDGET_KINDS]

    def widget_id(self, kind, matches, description):
        found = [element.id for element in self.elements(kind) if matches(element)]
        if not found:
            raise LookupError(f"no {kind} {description!r} on the page")
        return found[0]

    def progress_text(self):
        bars = self.elements("progress")
        return bars[0].text.strip() if bars else ""

    def has_heading(self, start):
        return any(heading.body.startswith(start) for heading in self.elements("heading"))

    def has_alert(self, start):
        """A success, info, warning or error box whose text starts with `start` is on screen."""
        return any(alert.body.startswith(start) for alert in self.elements("alert"))

    def has_metric(self, label):
        return any(metric.label == label for metric in self.elements("metric"))

    def metric_value(self, start):
        """The value of the first metric whose label starts with `start`, or None."""
        return next((metric.body for metric in self.elements("metric") if metric.label.startswith(start)), None)

    def answer_letters(self):
        """The teacher's question above the page (ask the room): its answer widget's id, letters and fragment, or
        None."""
        return next(((shown.element.id, [option.content for option in shown.element.options], shown.fragment_id)
                     for shown in self.shown.values() if shown.kind == "button_group"
                     and "room_answer_" in shown.element.id and not shown.element.disabled), None)

    def page_fragment(self, fragment_id):
        """The fragment belongs to the page (the Training page's live chart), not to app.py, whose question to
        the room reads the board every second on every page of a server with a class key."""
        return fragment_id not in self.app_fragments

    def idle(self):
        """No run in progress and none of the page's fragments ticking: the page is what the student sees until
        they act (app.py's question to the room may go on reading the board)."""
        return not self.running and not any(self.page_fragment(fragment_id) for fragment_id in self.timers)

    # --- Messages from the server -------------------------------------------------------------------------

    def _receive(self, message, data):
        self._messages += 1
        self.last_message_at = time.perf_counter()
        if message.HasField("ref_hash"):  # an element this tab has cached: use the copy, with the new metadata
            message = self._from_cache(message)
        elif message.metadata.cacheable and message.hash and message.hash not in self.cache:
            fragment_id = message.delta.fragment_id if message.HasField("delta") else ""
            self.cache[message.hash] = [data, self.cache_runs, fragment_id]
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self._run_started(message)
        elif kind == "navigation":
            self.pages = {page.url_pathname: page.page_script_hash for page in message.navigation.app_pages}
            self.page_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "page_not_found":
            self.exceptions.append(f"page not found: {message.page_not_found.page_name!r}")
        elif kind == "delta":
            self._show(message)
        elif kind == "auto_rerun":
            if not self._run_fragments and not self._page_drawn:  # app.py's, registered before the page's script
                self.app_fragments.add(message.auto_rerun.fragment_id)
            self._start_timer(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self._stop_timers(fragment_id)
        elif kind == "script_finished":
            self._run_finished(message.script_finished)

    def _from_cache(self, reference):
        entry = self.cache.get(reference.ref_hash)
        if entry is None:
            raise LookupError(f"the server referred to a message this tab never cached ({reference.ref_hash})")
        entry[1] = self.cache_runs
        message = ForwardMsg.FromString(entry[0])
        message.metadata.CopyFrom(reference.metadata)
        return message

    def _run_started(self, message):
        if self.running and not self._run_fragments:
            # A full run the server never said it finished: a fragment's timer ticked just as it ended, and the
            # server went on to the fragment's run. Its page had arrived, so it counts as done, as in the browser.
            done = ForwardMsg.FINISHED_SUCCESSFULLY
            self.last_full_run = FinishedRun(self._run_started_at, time.perf_counter(), done)
        self.running = True
        self._run_id = message.metadata.run.script_run_id
        self._run_fragments = list(message.metadata.run.fragment_ids)
        self._run_started_at = self._messages
        self.session_id = message.new_session.initialize.session_id
        self.main_hash = message.new_session.main_script_hash
        self.max_cache_age = message.new_session.config.max_cached_message_age
        if not self._run_fragments:  # a full run: the fragments register again, with their timers
            self._stop_timers()
            self._page_drawn = False

    def _show(self, message):
        delta, where = message.delta, tuple(message.metadata.delta_path)
        if delta.HasField("new_element"):
            kind = delta.new_element.WhichOneof("type")
            element = getattr(delta.new_element, kind)
        elif delta.HasField("add_block"):
            kind, element = "block", delta.add_block
        else:  # new_transient: a spinner or a toast, gone at the end of the run
            return
        run_id = message.metadata.run.script_run_id or self._run_id
        if not self._run_fragments and message.metadata.active_script_hash != self.main_hash:
            self._page_drawn = True
        self.shown[where] = Shown(kind, element, run_id, delta.fragment_id, message.metadata.active_script_hash)
        if kind == "exception":
            self.exceptions.append(f"{element.type}: {element.message}"[:300])
        elif kind in WIDGET_KINDS and (element.id not in self.widget_values or getattr(element, "set_value", False)):
            value = shown_value(kind, element)
            if value is not None:
                self.widget_values[element.id] = value

    def _run_finished(self, status):
        self.running = False
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return
        self._age_cache()
        chart = any(map(self.page_fragment, self._run_fragments))  # a redraw of the live chart (not the panel's)
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY and chart:
            self.fragment_run_ends.append(time.perf_counter())
        if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            # What this run did not draw again is gone (for a fragment's run: what that fragment did not redraw).
            fragments = self._run_fragments
            self.shown = {where: shown for where, shown in self.shown.items()
                          if shown.run_id == self._run_id or (fragments and shown.fragment_id not in fragments)}
            on_screen = set(self.widgets_on_screen())
            self.widget_values = {key: value for key, value in self.widget_values.items() if key in on_screen}
        if status in FULL_RUN_ENDS and not self._run_fragments:
            self.last_full_run = FinishedRun(self._run_started_at, time.perf_counter(), status)
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            for fragment_id in self._run_fragments:
                self.fragment_runs[fragment_id] = FinishedRun(self._run_started_at, time.perf_counter(), status)

    def _age_cache(self):
        self.cache_runs += 1
        fragments = self._run_fragments
        for key, (_, last_used, fragment_id) in list(self.cache.items()):
            if fragments and fragment_id not in fragments:
                continue
            # A run that ends after a request was sent must not drop what that request said this tab holds: the
            # run it asked for may still refer to it (two runs overlap when a fragment ticks during a full run).
            if self.cache_runs - last_used > self.max_cache_age and key not in self.advertised:
                del self.cache[key]

    # --- Fragments that rerun by themselves ---------------------------------------------------------------

    def _start_timer(self, fragment_id, interval):
        if fragment_id in self.timers and self.timers[fragment_id][0] == interval:
            return
        self._stop_timers(fragment_id)
        self.timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    async def _tick(self, fragment_id, interval):
        """Like the browser's setInterval: a request every `interval` s, on time (a late one is not made up for)."""
        clock = asyncio.get_running_loop()
        due = clock.time() + interval
        while True:
            await asyncio.sleep(max(0.0, due - clock.time()))
            due = max(due + interval, clock.time())
            try:
                await self.send_rerun(fragment_id=fragment_id, is_auto_rerun=True)
            except ConnectionClosed:
                return
            self.ticks[fragment_id] += 1
            if self.page_fragment(fragment_id):  # the live chart's (app.py's question panel is not counted)
                self.auto_reruns_sent += 1

    def fragments_words(self):
        """What this tab's fragments are doing, in a line, for a message about a page that stopped moving: each
        timer's interval, the reruns it asked for, and when that fragment's last run ended; the last message."""
        now = time.perf_counter()
        words = []
        for fragment_id, (interval, task) in self.timers.items():
            last = self.fragment_runs.get(fragment_id)
            ended = f"its last run ended {now - last.finished_at:.0f} s ago" if last else "no run of it ended"
            alive = "" if not task.done() else f", its timer ended ({task.exception()!r})" if not task.cancelled() \
                else ", its timer was cancelled"
            page = "page" if self.page_fragment(fragment_id) else "app.py"
            words.append(f"{page} fragment every {interval:g} s: {self.ticks[fragment_id]} reruns asked, {ended}"
                         f"{alive}")
        last_message = f"{now - self.last_message_at:.0f} s ago" if self.last_message_at else "never"
        page = [shown for shown in self.shown.values() if shown.script_hash != self.main_hash]
        return (f"timers: {'; '.join(words) or 'none'}; the server's last message {last_message}; "
                f"a run going on: {self.running} (fragments {self._run_fragments}); elements on screen: "
                f"{len(self.shown)}, of the page {len(page)}, from {len({shown.run_id for shown in page})} run(s); "
                f"its messages: {[alert.body[:60] for alert in self.elements('alert')]}; session {self.session_id[:8]}")

    def _stop_timers(self, fragment_id=None):
        for key in [fragment_id] if fragment_id is not None else list(self.timers):
            if key in self.timers:
                self.timers.pop(key)[1].cancel()


# ---------------------------------------------------------------------------------------------------------
# A drawing, as the canvas sends it
# ---------------------------------------------------------------------------------------------------------


def seven_drawing(side=CANVAS_SIDE, pen=PEN_WIDTH):
    """The canvas's value after drawing a '7' (the browser visitor's stroke): fabric.js's description of the
    path, and the canvas as a side x side RGBA PNG, white ink `pen` pixels wide on opaque black."""
    points = [(x * side, y * side) for x, y in SEVEN]
    y, x = np.mgrid[0:side, 0:side] + 0.5  # pixel centres
    ink = np.zeros((side, side), dtype=bool)
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):  # each straight part of the stroke
        dx, dy = x1 - x0, y1 - y0
        along = np.clip(((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy), 0, 1)
        ink |= np.hypot(x - x0 - along * dx, y - y0 - along * dy) <= pen / 2
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    rgba[ink, :3] = 255
    png = io.BytesIO()
    Image.fromarray(rgba).save(png, format="PNG")
    path = [["M", *points[0]]] + [["L", *point] for point in points[1:]]
    raw = {"version": "7.4.0", "background": "#000000",
           "objects": [{"type": "Path", "version": "7.4.0", "path": path, "stroke": "#FFFFFF", "strokeWidth": pen,
                        "fill": None, "strokeLineCap": "round", "strokeLineJoin": "round"}]}
    return {"drawing": {"raw": raw, "data": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()}}


# ---------------------------------------------------------------------------------------------------------
# The visitor
# ---------------------------------------------------------------------------------------------------------


class ProtocolVisitor:
    """One student without a browser: the lesson of load_test.Visitor, through the protocol, and what it measured."""

    kind = "protocol"

    def __init__(self, number, url, pages, step_timeout, read_seconds=0.0, seed=None, poll=None):
        self.number, self.url, self.pages, self.step_timeout = number, url, pages, step_timeout
        # With --poll: an asyncio.Event set once the teacher has asked; the visitor answers after Home
        self.poll = poll
        self.answer = None  # (letter, time.perf_counter() when the student tapped it)
        self.step = "arrive"  # what the visitor is doing now (named when it does not finish in time)
        self.question_wait = None  # seconds from the teacher's question to the visitor seeing it
        self.seed = seed  # the notebook preset's seed is changed to this one before Train (None: the preset's)
        self.read_seconds = read_seconds  # time spent on each page before going to the next one
        self.renders = {}  # page -> seconds from the rerun request to script_finished
        self.pauses = 0  # training runs that paused by themselves and were resumed
        self.training = None  # (seconds from pressing Train to the end, training seconds the page reported)
        self.prediction = None  # seconds from sending the drawing to the end of the run that shows the prediction
        self.errors = []
        self.bytes_received = 0
        self.auto_reruns_sent = 0  # live-chart reruns the fragment's timer asked for
        self.redraws = 0  # live-chart reruns that finished
        self.redraw_gaps = []  # seconds between two redraws in a row: how often the student's chart moves

    async def lesson(self):
        tab = StreamlitTab(self.url, self.step_timeout)
        self.step = "connect"
        try:
            await tab.open()
            for number, (path, title) in enumerate(self.pages.items()):
                if number:
                    await asyncio.sleep(self.read_seconds)  # reading the previous page
                self.step = path or "home"
                seconds = await (tab.first_visit() if path == "" else tab.open_page(path))
                if seconds is None:
                    continue
                self.renders[self.step] = seconds
                if not tab.has_heading(title):
                    self.errors.append(f"{self.step}: no title {title!r} on the page")
                self.note_exceptions(tab, self.step)
                if path == "" and self.poll is not None:
                    self.step = "ask the room: the teacher's question -> an answer"
                    await self.answer_question(tab)
                if path == "training":
                    self.step = "training: notebook preset"
                    await self.train_notebook(tab)
                if path == "draw":
                    self.step = "draw: a '7' -> prediction"
                    await self.draw_digit(tab)
                self.note_exceptions(tab, self.step)
        except Exception as error:  # any failure is counted and reported, never raised
            message = str(error).splitlines()[0][:1000] if str(error) else "no answer in time"
            self.errors.append(f"{self.step}: {type(error).__name__}: {message}")
        finally:
            self.note_exceptions(tab, self.step)
            await tab.close()
            self.bytes_received = tab.bytes_received
            ends = tab.fragment_run_ends
            self.auto_reruns_sent, self.redraws = tab.auto_reruns_sent, len(ends)
            self.redraw_gaps = [later - earlier for earlier, later in zip(ends, ends[1:], strict=False)]

    def note_exceptions(self, tab, step):
        self.errors += [f"{step}: exception on the page: {text}" for text in tab.exceptions]
        tab.exceptions.clear()

    async def answer_question(self, tab):
        """Wait for the teacher's question above the page (the panel's fragment reads the board every second),
        think for a moment (0 to 3 s), then tap a letter, as a student does; note when the answer was written."""
        await asyncio.wait_for(self.poll.wait(), self.step_timeout)
        asked = time.perf_counter()
        await tab.wait_until(lambda: tab.answer_letters() is not None, self.step_timeout)
        self.question_wait = time.perf_counter() - asked
        await asyncio.sleep(3.0 * ((self.number * 7919) % 100) / 100)  # a different pause for each student
        widget, letters, fragment = tab.answer_letters()
        letter = letters[self.number % len(letters)]
        state = WidgetState(id=widget)
        state.string_array_value.data.append(letter)
        tapped = time.perf_counter()
        if fragment:  # the question's panel reruns alone, as in a browser, and its tap's callback writes the answer
            await tab.send_fragment_value(state, fragment)
        else:  # the question drawn by a full run (no fragment): the page runs again
            await tab.send_value(state)
        self.answer = (letter, tapped)

    async def train_notebook(self, tab):
        """Press the notebook preset, then Train; let the fragment rerun until the progress says it is done."""
        await tab.press("📓 The notebook")
        if self.seed is not None:
            seed = tab.widget_id("number_input", lambda box: box.label == "Random seed", "Random seed")
            await tab.send_value(WidgetState(id=seed, int_value=self.seed))
        await self.train(tab)

    async def train(self, tab):
        """Press Train, with the settings on the page; let the fragment rerun until the run has ended."""
        started = time.perf_counter()
        await tab.press("▶️ Train")
        while True:
            text = await self.end_of_run(tab, self.step_timeout - (time.perf_counter() - started))
            if not text.startswith("⏸️"):
                break
            self.pauses += 1  # paused by itself (nobody watching): press Train again, as the browser visitor does
            await tab.press("▶️ Train")
        reported = re.search(r"([\d.]+) s of training", text)
        wall = tab.last_full_run.finished_at - started  # to the end of the page's run that shows ✅
        self.training = (wall, float(reported.group(1)) if reported else float("nan"))
        if text.startswith("💥"):
            self.errors.append("training: the run diverged")

    @staticmethod
    async def end_of_run(tab, timeout):
        """Wait until the tab is idle and its progress says the run has ended (finished, diverged or paused)."""
        await tab.wait_until(lambda: tab.idle() and tab.progress_text().startswith(("✅", "💥", "⏸️")), timeout)
        return tab.progress_text()

    async def draw_digit(self, tab):
        canvas = tab.widget_id("bidi_component", lambda component: "drawable_canvas" in component.component_name,
                               "drawing canvas")
        self.prediction = await tab.send_value(WidgetState(id=canvas, json_value=json.dumps(seven_drawing())))
        if not tab.has_metric("Prediction"):
            self.errors.append("draw: no 'Prediction' shown after the drawing")
