"""Where a person waits: server start, a rerun after a slider move, and a drawing's prediction. Prints figures.

    python benchmarks/bench_latency.py [--starts 3] [--moves 8] [--drawings 200]

1. Cold start: `streamlit run app.py` in a fresh process, timed to /_stcore/health answering, to "/" being
   served, and to the home page's output on screen in headless Chromium (started beforehand, so the
   browser's own start is not counted). Repeated --starts times.
2. A rerun after a slider move, in the browser: a key press moves a slider, and the time runs until the
   script has run again and its output is on screen (Streamlit's script-state attribute goes "running" and
   back to "notRunning"; this includes the slider's own short wait before it sends the value). The same
   move server side: AppTest's run() after set_value, which is the script's own time plus a little.
3. Draw -> prediction, server side: nn_core.preprocessing.canvas_to_input plus forward_prop on a 320 x 320
   drawing (what the Draw page does between receiving the drawing and knowing the answer), and the whole
   Draw page script run after a stroke (AppTest, the drawing injected as the canvas sends it). In the browser,
   from releasing the mouse to the prediction on screen, and the time the page itself reports.
Runs on the bundled sample (MNIST_PATH is ignored). Targets: cold start < 5 s, rerun < 300 ms, prediction
< 100 ms server side. On a machine shared with other work, compare figures taken at the same load average.
"""

import argparse
import asyncio
import base64
import io
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

os.environ.pop("MNIST_PATH", None)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load_test import ARGS, CHROMIUM, RENDERED, STABLE_MS, percentile, start_server  # noqa: E402
from load_test import PAGES as TITLES  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

PAGES = "views"
SLIDERS = {"training": "Hidden units per layer", "draw": "Pen width (canvas pixels)",
           "experiments": "Number of seeds N"}

# Records every change of Streamlit's script state with its time, so a rerun can be timed exactly.
WATCH_RUNS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__states = [];
    new MutationObserver(() => window.__states.push([app.dataset.testScriptState, performance.now()]))
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RERUN_DONE = """(since) => {
    const states = window.__states.filter(([, t]) => t >= since);
    const ran = states.findIndex(([s]) => s === 'running');
    const done = ran >= 0 && states.slice(ran).find(([s]) => s === 'notRunning');
    return done ? done[1] - since : false;
}"""


def line(label, values, unit="s", scale=1.0):
    values = [v * scale for v in values]
    if not values:
        print(f"  {label:<52} (not measured)")
        return
    print(f"  {label:<52} n={len(values):<4} p50 {percentile(values, 50):7.3f} {unit}   p95 "
          f"{percentile(values, 95):7.3f} {unit}   max {max(values):7.3f} {unit}")


# ---------------------------------------------------------------------------------------------------------
# In the browser
# ---------------------------------------------------------------------------------------------------------


async def cold_starts(browser, starts):
    """Start the server `starts` times; return lists of seconds: health, '/', home page on screen."""
    health, served, on_screen = [], [], []
    for _ in range(starts):
        began = time.perf_counter()
        server, url, to_health, to_served = start_server(full_mnist=False)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(url + "/", timeout=120_000)
            await page.wait_for_function(RENDERED, arg=["🧠", STABLE_MS], polling=50, timeout=120_000)
            on_screen.append(time.perf_counter() - began - STABLE_MS / 1000)
            await context.close()
        finally:
            server.terminate()
            server.wait(timeout=15)
        health.append(to_health)
        served.append(to_served)
    return health, served, on_screen


async def open_page(page, url, name):
    """Home first (the app's navigation), then `name` from the sidebar, as a visitor does; then watch reruns."""
    if not page.url.startswith(url):
        await page.goto(url + "/", timeout=120_000)
        await page.wait_for_function(RENDERED, arg=[TITLES[""], STABLE_MS], polling=100, timeout=120_000)
    await page.locator(f'[data-testid="stSidebarNav"] a[href$="/{name}"]').first.click()
    await page.wait_for_function(RENDERED, arg=[TITLES[name], STABLE_MS], polling=100, timeout=300_000)
    await page.evaluate(WATCH_RUNS)


async def timed_rerun(page, action):
    """Seconds from `action` (an async callable) to the end of the rerun it causes."""
    since = await page.evaluate("() => performance.now()")
    await action()
    return (await (await page.wait_for_function(RERUN_DONE, arg=since, polling=20,
                                                timeout=300_000)).json_value()) / 1000


async def slider_moves(browser, url, moves):
    """Per page: seconds from a key press on a slider to the rerun's output on screen."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    results = {}
    for name, label in SLIDERS.items():
        if not (ROOT / PAGES / f"{name}.py").exists():
            continue
        await open_page(page, url, name)
        thumb = page.locator('[data-testid="stSlider"]').filter(has_text=label).locator('input[type="range"]').first
        results[name] = []
        for i in range(moves):
            key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
            results[name].append(await timed_rerun(page, lambda key=key, thumb=thumb: thumb.press(key)))
            await page.wait_for_timeout(300)
    await context.close()
    return results


async def browser_drawings(browser, url, strokes):
    """Seconds from releasing the mouse to the end of the rerun, and the times the Draw page reports (ms)."""
    if not (ROOT / PAGES / "draw.py").exists():
        return [], []
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await open_page(page, url, "draw")  # the page trains a network for a visitor who has none
    canvas = page.locator("canvas.upper-canvas").first
    waits, reported = [], []
    for i in range(strokes):
        box = await canvas.bounding_box()
        x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
        await page.mouse.move(x0 + (0.3 + 0.04 * i) * w, y0 + 0.2 * h)
        await page.mouse.down()
        await page.mouse.move(x0 + (0.35 + 0.04 * i) * w, y0 + 0.8 * h, steps=8)
        waits.append(await timed_rerun(page, page.mouse.up))
        caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Prepared and read in").first
        found = re.search(r"read in (\d+) ms", await caption.inner_text())
        if found:
            reported.append(float(found.group(1)))
        await page.wait_for_timeout(300)
    await context.close()
    return waits, reported


async def in_the_browser(args):
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        starts = await cold_starts(browser, args.starts)
        server, url, _, _ = start_server(full_mnist=False)
        try:
            moves = await slider_moves(browser, url, args.moves)
            drawings = await browser_drawings(browser, url, args.strokes)
        finally:
            server.terminate()
            server.wait(timeout=15)
        await browser.close()
    return starts, moves, drawings


# ---------------------------------------------------------------------------------------------------------
# Server side, in this process
# ---------------------------------------------------------------------------------------------------------


def a_drawing(side=320, shift=0):
    """A 7 on an opaque black (side, side, 4) canvas: a bar, then a diagonal stroke 24 pixels wide."""
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    rgba[60:84, 70 + shift:250 + shift, :3] = 255
    for row in range(84, 280):
        centre = int(240 + shift - (row - 84) * 0.6)
        rgba[row, centre - 12:centre + 12, :3] = 255
    return rgba


def prediction_compute(drawings):
    """Seconds for canvas_to_input + forward_prop, as the Draw page does after receiving a drawing."""
    from nn_core.network import forward_prop
    from nn_core.preprocessing import canvas_to_input
    from nn_core.training import FAST_AND_ACCURATE, new_network

    params = new_network(FAST_AND_ACCURATE)  # 784-128-10: the network the Draw page trains for a newcomer
    times = []
    for i in range(drawings):
        rgba = a_drawing(shift=i % 40)
        start = time.perf_counter()
        x = canvas_to_input(rgba)  # (784, 1)
        A2 = forward_prop(params, x, FAST_AND_ACCURATE.activation)["A2"]  # (10, 1)
        int(np.argmax(A2))
        times.append(time.perf_counter() - start)
    return times


def server_reruns(moves):
    """AppTest: seconds of a script run after a slider move (per page), and after a stroke on the Draw page."""
    from PIL import Image
    from streamlit.testing.v1 import AppTest

    sliders = {"training": ("tr_hidden", (16, 10)), "draw": ("draw_stroke", (20, 24)),
               "experiments": ("exp_n", (6, 5))}
    results, strokes = {}, []
    for name, (key, values) in sliders.items():
        path = ROOT / PAGES / f"{name}.py"
        if not path.exists():
            continue
        at = AppTest.from_file(str(path), default_timeout=300)
        at.run()
        at.run()
        results[name] = []
        for i in range(moves):
            at.slider(key=key).set_value(values[i % 2])
            start = time.perf_counter()
            at.run()
            results[name].append(time.perf_counter() - start)
        if name == "draw":
            for i in range(moves):
                buffer = io.BytesIO()
                Image.fromarray(a_drawing(shift=5 * i)).save(buffer, format="PNG")
                data = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
                generation = at.session_state["draw_canvas_generation"] \
                    if "draw_canvas_generation" in at.session_state else 0
                at.session_state[f"draw_canvas_{generation}"] = {"drawing": {"raw": {"objects": []}, "data": data}}
                start = time.perf_counter()
                at.run()
                strokes.append(time.perf_counter() - start)
    return results, strokes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=3, help="cold starts (default 3)")
    parser.add_argument("--moves", type=int, default=8, help="slider moves per page (default 8)")
    parser.add_argument("--strokes", type=int, default=6, help="strokes drawn in the browser (default 6)")
    parser.add_argument("--drawings", type=int, default=200, help="drawings for the compute timing (default 200)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")  # as the app does
    load_before = os.getloadavg()
    (health, served, on_screen), moves, (waits, reported) = asyncio.run(in_the_browser(args))
    server_moves, strokes = server_reruns(args.moves)
    compute = prediction_compute(args.drawings)

    print("-" * 100)
    print(f"load average before: {', '.join(f'{x:.2f}' for x in load_before)}; after: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    print("Cold start (target < 5 s)")
    line("process start -> /_stcore/health answers", health)
    line("process start -> '/' served", served)
    line("process start -> home page on screen (browser)", on_screen)
    print("Rerun after a slider move (target < 300 ms)")
    for name, values in moves.items():
        line(f"{name}: key press -> output on screen (browser)", values, "ms", 1000)
    for name, values in server_moves.items():
        line(f"{name}: script run after the move (server, AppTest)", values, "ms", 1000)
    print("Draw -> prediction (target < 100 ms server side)")
    line("canvas_to_input + forward_prop (server, this process)", compute, "ms", 1000)
    line("'Prepared and read in' as the Draw page reports it", [r / 1000 for r in reported], "ms", 1000)
    line("whole Draw page script after a stroke (server, AppTest)", strokes, "ms", 1000)
    line("mouse released -> output on screen (browser)", waits, "ms", 1000)
    print("-" * 100)


if __name__ == "__main__":
    main()
