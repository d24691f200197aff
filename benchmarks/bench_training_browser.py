"""Benchmark of the Training page in a real browser: prints figures, asserts nothing (shared, noisy machine).

    python benchmarks/bench_training_browser.py

Starts the app on a free port of 127.0.0.1, opens the Training page in headless Chromium (Debian's
/usr/bin/chromium, or CHROMIUM_PATH), trains the notebook preset on the bundled sample to the end while
reading the progress line every 50 ms, and reports: the wall time from the click to the end, the training
time the page reports, how often the line (redrawn with the curves) changed, and how soon Stop is honoured.
Note that the browser runs on the same machine as the server here, and competes with it for the CPU.
"""

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


def open_training(browser, url):
    page = browser.new_context(viewport={"width": 1440, "height": 1400}).new_page()
    page.set_default_timeout(180_000)
    page.goto(url + "/")  # Home first, so that app.py's navigation is in place
    idle(page)
    page.goto(url + "/training")
    page.get_by_role("button", name="▶️ Train").wait_for()
    idle(page)
    page.get_by_role("button", name="📓 The notebook").click()
    idle(page)
    return page


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
    server, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = open_training(browser, url)
            full_run(page)
            stop_run(page)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
