"""Time to ready of every page in Chromium, as a student meets it: cold (the page's first visit from the sidebar,
in a tab that opened Home), warm (the page visited again from the sidebar) and a deep link (a fresh tab opened
straight on the page's address, as from a link the teacher sent). Prints figures, asserts nothing.

    python benchmarks/bench_pages.py [--rounds 3]

"Ready" means the script has finished (Streamlit's running indicator is gone), no element is still a grey
placeholder (Streamlit shows one while a widget's code loads into a fresh tab), and every plotly chart and
every picture on the page is drawn (an SVG placed in the page, an image that has arrived). The server runs on
127.0.0.1 on the bundled sample; Chromium runs on the same machine, so the figures include the browser's own
drawing.
"""

import argparse
import os
import socket
import statistics
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
PAGES = {"": "Home", "data": "The data", "forward": "Forward pass", "training": "Training",
         "experiments": "Experiments", "draw": "Draw a digit"}  # address -> name in the sidebar
TITLES = {"": "A neural network from scratch", "data": "The data:", "forward": "Forward pass:",
          "training": "Training", "experiments": "Experiments:", "draw": "Draw a digit"}
READY = """() => !document.querySelector('[data-testid="stStatusWidget"]')
  && !document.querySelector('[data-testid="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))
  && [...document.querySelectorAll('[data-testid="stMain"] [data-testid^="stBidiComponent"]')]
       .every(c => (c.shadowRoot || c).querySelector('svg'))
  && [...document.querySelectorAll('[data-testid="stImage"] img')].every(img => img.complete)"""


def start_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.STDOUT, env={k: v for k, v in os.environ.items() if k != "MNIST_PATH"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    sys.exit("the server did not start")


def ready(page, path, start):
    """Seconds from start until the page's title is there, its script has finished and its charts are drawn."""
    page.locator("h1").filter(has_text=TITLES[path]).first.wait_for(timeout=120_000)
    page.wait_for_function(READY, timeout=120_000, polling=50)
    return time.perf_counter() - start


def by_address(page, url, path):
    start = time.perf_counter()
    page.goto(f"{url}/{path}")
    return ready(page, path, start)


def by_sidebar(page, path):
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=PAGES[path]).first.click()
    return ready(page, path, start)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="times each figure is measured (default 3)")
    rounds = parser.parse_args().rounds
    server, url = start_server()
    figures = {path: {"cold": [], "warm": [], "deep link": []} for path in PAGES}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for _ in range(rounds):
                context = browser.new_context(viewport={"width": 1600, "height": 1000})  # one student's tab
                page = context.new_page()
                figures[""]["cold"].append(by_address(page, url, ""))
                for path in list(PAGES)[1:]:
                    figures[path]["cold"].append(by_sidebar(page, path))
                for path in [*list(PAGES)[1:], ""]:
                    figures[path]["warm"].append(by_sidebar(page, path))
                context.close()
                for path in PAGES:  # a fresh tab straight on the page
                    context = browser.new_context(viewport={"width": 1600, "height": 1000})
                    figures[path]["deep link"].append(by_address(context.new_page(), url, path))
                    context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()
    print(f"Time to ready in Chromium, seconds: median of {rounds} (min-max). Home's cold figure is a fresh tab's "
          "first page.")
    print(f"{'page':<12} {'cold':>16} {'warm':>16} {'deep link':>16}")
    for path in PAGES:
        cells = [f"{statistics.median(v):.2f} ({min(v):.1f}-{max(v):.1f})" for v in figures[path].values()]
        print(f"{path or 'home':<12} " + " ".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    main()
