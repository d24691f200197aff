"""Where the test suite's time goes: runs pytest and prints the CPU each kind of process took. Prints figures, asserts
nothing (the machine is shared and noisy: note `uptime` before and after, as this script does).

    python benchmarks/bench_suite.py [pytest's arguments]      # none: the README's test command

While pytest runs, the script reads /proc twice a second: each process's CPU time, sorted by what it is (Chromium's
renderers and its other processes, the pytest processes that run the AppTest pages in-process, the Streamlit
servers of the browser and deploy tests, their training workers, nginx, PostgreSQL, Playwright's driver), and the
whole machine's busy time. A process that ends between two readings loses its last half second, so the kinds add
up to a little less than the machine's busy time; the difference is printed as "not seen".

On a machine whose cores are busy all through the run (a busy share near 100%), the suite's wall time is its CPU
time divided by the cores: more pytest workers cannot make it shorter, only less CPU can.
"""

import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from load_test import TICKS, machine_busy_seconds

ROOT = Path(__file__).resolve().parents[1]
INTERVAL = 0.5  # seconds between two readings of /proc


def kind_of(name, command):
    """What a process is, from its name and its command line."""
    if name.startswith("chrom"):
        found = re.search(r"--type=([\w-]+)", command)
        return f"Chromium {found.group(1) if found else 'browser'}"
    if "streamlit" in command:
        return "Streamlit servers"
    if "training_runs.worker_loop" in command or "multiprocessing" in command:
        return "training workers"
    if "pytest" in command or "exec(eval(sys.stdin" in command:  # pytest, and pytest-xdist's workers
        return "pytest processes (AppTest pages, nn_core)"
    if name.startswith("node"):
        return "Playwright's driver"
    if name in ("nginx", "postgres", "initdb"):
        return name
    return "other"


def processes():
    """{(pid, start time): (kind, CPU seconds)} of every process now running."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        found[entry.name, fields[19]] = (kind_of(name, command), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def main(pytest_args):
    print("load average before:", os.getloadavg())
    seen, by_kind = processes(), Counter()  # the CPU time of what ran already is not the suite's
    busy, start = machine_busy_seconds(), time.perf_counter()
    suite = subprocess.Popen([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT)
    while suite.poll() is None:
        time.sleep(INTERVAL)
        for key, (kind, cpu) in processes().items():
            by_kind[kind] += cpu - seen.get(key, (kind, 0.0))[1]
            seen[key] = (kind, cpu)
    wall, busy = time.perf_counter() - start, machine_busy_seconds() - busy
    cores = os.cpu_count()
    print(f"\npytest exited with {suite.returncode} after {wall:.0f} s; load average after: {os.getloadavg()}")
    print(f"the machine was busy {busy / (wall * cores):.0%} of that time on its {cores} cores: {busy:.0f} CPU s")
    for kind, cpu in by_kind.most_common():
        if cpu >= 0.5:
            print(f"  {cpu:7.0f} CPU s  {cpu / busy:4.0%}  {kind}")
    print(f"  {busy - sum(by_kind.values()):7.0f} CPU s        not seen (processes that ended between readings)")
    return suite.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
