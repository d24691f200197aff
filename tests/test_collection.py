"""The suite itself: collecting the tests runs nothing and writes nothing.

A copy of the checkout collects its tests (`pytest --collect-only`) in a child process that watches itself
(Python's audit hooks): no page may run in AppTest, no Python process (a training worker, a server) may
start, no SQLite file may be opened, and no file may be opened for writing outside its temporary folder.
Afterwards the copy holds exactly the files it held before, and the temporary folder is empty again.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import unavailable

ROOT = Path(__file__).resolve().parents[1]

# Run in the child: watch what happens while pytest collects, and print it as the last line.
WATCH = """
import json, os, sys, tempfile

seen = {"pages": [], "processes": [], "databases": [], "written": []}
temporary = os.path.realpath(tempfile.gettempdir())  # emptied again at the end, as the test checks


def watch(event, args):
    if event == "subprocess.Popen" and os.path.realpath(str(args[0])) == os.path.realpath(sys.executable):
        seen["processes"].append(repr(args[1])[:200])  # (libraries may ask git or ldconfig things)
    elif event == "sqlite3.connect":
        seen["databases"].append(str(args[0]))
    elif event == "open" and isinstance(args[0], (str, bytes)):
        mode, flags = args[1] or "", args[2] or 0
        path = os.path.realpath(os.fsdecode(args[0]))
        if (any(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)) and not (
                path in (os.devnull, temporary) or path.startswith(temporary + os.sep)):
            seen["written"].append(path)


sys.addaudithook(watch)

from streamlit.testing.v1 import AppTest

real_run = AppTest._run


def counted_run(self, *args, **kwargs):
    seen["pages"].append(str(self._script_path))
    return real_run(self, *args, **kwargs)


AppTest._run = counted_run

import pytest

code = pytest.main(sys.argv[1:])
print("\\n" + json.dumps(seen))
sys.exit(code)
"""


def checkout_files():
    """The files of the checkout as git knows them: tracked, and new ones not ignored."""
    if shutil.which("git") is None:
        unavailable("no git: run `apt-get install -y git`")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=False)
    if listed.returncode != 0:
        unavailable("the project is not a git checkout, so its files cannot be listed")
    return sorted({name for name in listed.stdout.decode().split("\0") if name and (ROOT / name).is_file()})


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def test_collecting_the_tests_runs_no_page_and_writes_nothing(tmp_path):
    copy, temporary = tmp_path / "checkout", tmp_path / "tmp"
    for name in checkout_files():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    temporary.mkdir()
    before = files_under(copy)
    # As when someone runs pytest: nothing set up for the board, and no coverage, whose data file is the one file
    # a measured run writes on purpose (in test-artifacts/).
    env = {name: value for name, value in os.environ.items()
           if name != "CLASS_BOARD_PATH" and not name.startswith("COVERAGE_")}
    env.update(PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(temporary))
    done = subprocess.run([sys.executable, "-c", WATCH, "--collect-only", "-q", "-p", "no:cacheprovider", "--no-cov"],
                          cwd=copy, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " tests collected" in done.stdout or " test collected" in done.stdout, done.stdout[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"pages": [], "processes": [], "databases": [], "written": []}
    assert files_under(copy) == before
    assert files_under(temporary) == []
