"""Benchmark of the Training page in a real browser: prints figures, asserts nothing (shared, noisy machine).

    python benchmarks/bench_training_browser.py [--first-chart-only] [--runs 3]

Starts the app on a free port of 127.0.0.1 and opens the Training page in headless Chromium (Debian's
/usr/bin/chromium, or CHROMIUM_PATH). First, in a fresh tab each time (`--runs` times): how soon after a click on
Train the live charts show the run's first curves (timed in the browser, from the click to the first curve
drawn), and at which step. Then it trains the notebook preset on the bundled sample to the end while reading the
progress line every 50 ms, and reports: the wall time from the click to the end, the training time the page
reports, how often the line (redrawn with the curves) changed, and how soon Stop is honoured.
Note that the browser runs on the same machine as the server here, and competes with it for the CPU.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PROGRESS = '[data-testid="stProgress"]'


def start_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "MNIST_PATH"}  # the bundled sample
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2).close()
            return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the Streamlit server did not start")


def idle(page):
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")
    page.wait_for_timeout(300)


def step(text):
    found = re.search(r"step ([\d,]+) of", text or "")
    return int(found.group(1).replace(",", "")) if found else 0


def open_training(browser, url, viewport=None, query=""):
    """A tab on the Training page (after Home, as a visitor comes), the notebook preset chosen. query: added to the
    Training page's address, such as "?presenter=1"."""
    page = browser.new_context(viewport=viewport or {"width": 1440, "height": 1400}).new_page()
    page.set_default_timeout(180_000)
    page.goto(url + "/")  # Home first, so that app.py's navigation is in place
    idle(page)
    page.goto(url + "/training" + query)
    page.get_by_role("button", name="▶️ Train").wait_for()
    idle(page)
    page.get_by_role("button", name="📓 The notebook").click()
    idle(page)
    return page


# In the browser: the time from the click on Train (window.clickedAt) to the page's answer (its progress bar) and to
# the first curve of the run drawn (a plotly line or a picture's curve through two points or more; a picture
# placed in the page lives in its component's shadow root), looked for at every frame the browser draws, and the
# progress line at that moment.
FIRST_CURVE = """() => { window.firstCurve = null;
  const drawn = () => [document, ...[...document.querySelectorAll('[data-testid^="stBidiComponent"]')]
      .map(e => e.shadowRoot).filter(root => root)]
    .some(root => [...root.querySelectorAll('path.js-line, path.curve')]
      .some(line => (line.getAttribute('d') || '').includes('L')));
  const look = () => {
    if (window.clickedAt !== undefined) {
      if (!window.answeredAt && document.querySelector('[data-testid="stProgress"]'))
        window.answeredAt = (performance.now() - window.clickedAt) / 1000;
      if (drawn()) {
        window.firstCurve = {seconds: (performance.now() - window.clickedAt) / 1000, answered: window.answeredAt,
                             progress: document.querySelector('[data-testid="stProgress"]')?.innerText};
        return;
      }
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
  document.addEventListener('click', (event) => {
    if (event.target.closest('button')?.innerText.includes('Train')) window.clickedAt = performance.now();
  }, true); }"""


def first_chart(browser, url, runs):
    """A fresh tab straight on the Training page, ready (every chart and element drawn), then Train: seconds to
    the first curves. Each run has its own seed, so none is a run the server has trained already. A first run, not
    timed, starts the server's training workers (they start with the first run after the server starts: 1 to 2 s
    more for that one run, whatever the page)."""
    warm_up = browser.new_context().new_page()
    warm_up.set_default_timeout(180_000)
    warm_up.goto(f"{url}/training?iterations=2&seed=999")
    warm_up.get_by_role("button", name="▶️ Train").wait_for()
    idle(warm_up)
    warm_up.get_by_role("button", name="▶️ Train").click()
    warm_up.get_by_text("step 2 of 2").first.wait_for()
    warm_up.context.close()
    times = []
    for run in range(runs):
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.set_default_timeout(180_000)
        page.goto(f"{url}/training?presenter=1&iterations=500&seed={1000 + run}")
        page.get_by_role("button", name="▶️ Train").wait_for()
        idle(page)
        page.wait_for_function("""() => !document.querySelector('[data-testid="stSkeleton"]') &&
            [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))
            && [...document.querySelectorAll('[data-testid="stMain"] [data-testid^="stBidiComponent"]')]
                 .every(c => (c.shadowRoot || c).querySelector('svg'))""")
        page.evaluate(FIRST_CURVE)
        page.get_by_role("button", name="▶️ Train").click()
        page.wait_for_function("() => window.firstCurve", polling=50)
        found = page.evaluate("() => window.firstCurve")
        times.append(found["seconds"])
        print(f"  fresh tab {run + 1}: the first curves {found['seconds']:.2f} s after Train, at "
              f"{step(found['progress'])} steps of 500 (the page answered the click after {found['answered']:.2f} s)")
        context.close()
    times.sort()
    print(f"  median {times[len(times) // 2]:.2f} s (from {times[0]:.2f} to {times[-1]:.2f} s)")


# In the browser: every change of the progress line after a click on Train, with its time, noted by a
# MutationObserver (reading textContent, so nothing forces the page's layout); window.ended holds the line once the
# run has ended (finished, diverged or went wrong).
WATCH_PROGRESS = """() => { window.changes = []; window.ended = null; let last = null;
  const read = () => {
    const text = document.querySelector('[data-testid="stProgress"]')?.textContent ?? null;
    if (window.clickedAt === undefined || text === last) return;
    last = text;
    window.changes.push([(performance.now() - window.clickedAt) / 1000, text]);
    if (text && /^(✅|💥|⚠️)/.test(text.trim())) window.ended = text;
  };
  new MutationObserver(read).observe(document.body, {subtree: true, childList: true, characterData: true});
  document.addEventListener('click', (event) => {
    if (event.target.closest('button')?.innerText.includes('Train')) window.clickedAt = performance.now();
  }, true); }"""


def watched_run(page):
    """Train in `page` (a Training page, idle) and watch it to the end without polling the page's layout.
    Returns (seconds from the click to the finished line, the training seconds the page reports, the redraws
    while it trained: how many different steps the progress line showed)."""
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="▶️ Train").click()
    page.wait_for_function("() => window.ended", polling=250)
    changes = page.evaluate("() => window.changes")
    trained = float(re.search(r"([\d.]+) s of training", changes[-1][1]).group(1))
    return changes[-1][0], trained, len({step(text) for _, text in changes} - {0})


def full_run(page):
    start = time.perf_counter()
    page.get_by_role("button", name="▶️ Train").click()
    changes, last, first_change = [], None, None
    while True:
        text = page.locator(PROGRESS).first.inner_text()
        if text != last:
            now = time.perf_counter() - start
            changes.append(now)
            first_change = first_change or (now if step(text) else None)
            last = text
        if text.startswith(("✅", "💥", "⚠️")):  # finished, diverged, or went wrong: the run has ended
            break
        page.wait_for_timeout(50)
    wall = time.perf_counter() - start
    trained = float(re.search(r"([\d.]+) s of training", last).group(1))
    during = [t for t in changes if first_change and t >= first_change]
    rate = (len(during) - 1) / (during[-1] - during[0]) if len(during) > 1 else 0
    print("notebook preset, 500 iterations on the sample, in the browser:")
    print(f"  click to finished: {wall:.1f} s; training time reported by the page: {trained:.1f} s")
    print(f"  progress line and curves redrawn {len(during)} times while training: {rate:.1f} per second")


def stop_run(page):
    page.get_by_role("button", name="🔄 Reset").click()
    idle(page)
    # Another seed: the same settings again would be the run just trained, which the server shares at once.
    page.get_by_label("Random seed", exact=True).fill("7")
    page.get_by_label("Random seed", exact=True).press("Enter")
    idle(page)
    page.get_by_role("button", name="▶️ Train").click()
    page.wait_for_timeout(3000)
    before = step(page.locator(PROGRESS).first.inner_text())
    start = time.perf_counter()
    page.get_by_role("button", name="⏹️ Stop").click()
    page.wait_for_function(f"() => document.querySelector('{PROGRESS}')?.innerText.startsWith('⏸️')")
    shown = time.perf_counter() - start
    idle(page)
    after = step(page.locator(PROGRESS).first.inner_text())
    page.wait_for_timeout(2000)
    still = step(page.locator(PROGRESS).first.inner_text())
    print(f"  Stop: the page showed 'paused' {shown:.2f} s after the click; step {before} on screen at the "
          f"click, stopped at step {after} ({after - before} steps later, shown curves lag up to one redraw); "
          f"{'nothing moved afterwards' if still == after else 'IT KEPT MOVING'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh tabs timed from Train to the first curves")
    parser.add_argument("--first-chart-only", action="store_true", help="only the first curves after Train")
    args = parser.parse_args()
    server, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            print("the first curves after Train, in a fresh tab at 1280 x 720 in presenter mode:")
            first_chart(browser, url, args.runs)
            if not args.first_chart_only:
                page = open_training(browser, url)
                full_run(page)
                stop_run(page)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
