"""A Streamlit server of the app started for a browser test, with a teacher's key and a board file of its own (the
class's browser tests: asking the room, challenges, the class's handwriting)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KEY = "heron-31"  # this server's class key


class ClassServer:
    """`streamlit run app.py` started with a teacher's key and a board file of its own; it can be stopped and
    started again on the same port and the same file, as a teacher's laptop restarted in the middle of a lesson."""

    def __init__(self, folder):
        self.board_path = folder / "class_board.sqlite3"
        self.log_path = folder / "streamlit-server.log"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        # The bundled sample (no MNIST_PATH), and no finished run kept for later visitors, as the shared server.
        env = {**{k: v for k, v in os.environ.items() if k != "MNIST_PATH"},
               "CLASS_KEY": KEY, "CLASS_BOARD_PATH": str(self.board_path), "FINISHED_RUNS_KEPT": "0"}
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    pytest.fail("the Streamlit server exited:\n" + self.log_path.read_text()[-3000:])
                time.sleep(0.3)
        self.process.kill()
        pytest.fail("the Streamlit server did not answer within 60 s")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
