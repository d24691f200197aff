"""Serve a school: several processes of the app behind one nginx address (see README, "Serving a school").

    python deploy/serve.py                                   # a process per core, nginx on 127.0.0.1:8500
    python deploy/serve.py --processes 4 --address 0.0.0.0   # for a class on the school's network
    python deploy/serve.py --no-proxy --app-address 0.0.0.0  # an app machine, behind another one's nginx
    python deploy/serve.py --processes 0 --upstream 10.0.0.2:8501 --upstream 10.0.0.3:8501   # nginx only
    CLASS_BOARD_URL=postgresql://board:PASSWORD@10.0.0.9/board python deploy/serve.py   # one board for the school

Starts N processes `streamlit run app.py` on the ports after --port (8501, 8502, ...), each with its own
sessions and training threads, then Debian's nginx (deploy/nginx.conf) on --port in front of them and of the
--upstream addresses. nginx runs as a child of this script, not as a daemon, with its pid, logs and temporary
files in a run folder (a temporary one unless --run-dir is given; the apps' output goes there too), so the
system's nginx and its paths are never touched. Ctrl-C or SIGTERM stops everything, nginx first, and waits
until every process has ended; if this script is killed outright, its children get SIGTERM from the kernel.
An app process that ends by itself is reported and not restarted: nginx sends its visitors to the others.

Every app process of a machine shares its class board: a SQLite file by default. Several machines share one when
each is given the same PostgreSQL database (--class-board postgresql://..., or CLASS_BOARD_URL); the script checks
that it can reach it before it starts anything, and says why not.
"""

import argparse
import ctypes
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # board_store, to check the class board before starting

import board_store  # noqa: E402

TEMPLATE = Path(__file__).with_name("nginx.conf")
START_TIMEOUT = 120  # seconds for an app process to answer, on a busy machine
STOP_TIMEOUT = 10  # seconds a process gets to end after SIGTERM, before SIGKILL


def nginx_config(listen, servers, run_dir):
    """deploy/nginx.conf with its places filled: nginx on `listen` ("host:port") in front of `servers`."""
    user = ""
    if os.geteuid() == 0:  # nginx's workers would be "nobody" anyway; say it, with that user's own group
        user = f"user nobody {grp.getgrgid(pwd.getpwnam('nobody').pw_gid).gr_name};"
    lines = "\n".join(f"        server {server};" for server in servers)
    text = TEMPLATE.read_text()
    for name, value in (("USER", user), ("RUN", str(run_dir)), ("LISTEN", listen), ("SERVERS", lines)):
        text = text.replace(f"@{name}@", value)
    return text


def die_with_parent():
    """In a child, before exec: the kernel sends it SIGTERM if this script dies (Linux's PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def start(command, log_path, environ=None):
    log = open(log_path, "ab")
    preexec = die_with_parent if sys.platform == "linux" else None
    # In a process group of its own, so that Ctrl-C reaches this script only and it stops the children in order.
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, preexec_fn=preexec, env=environ)
    log.close()
    return process


def start_app(port, address, run_dir, environ):
    return start([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                  "--server.address", address, "--server.headless", "true",
                  "--browser.gatherUsageStats", "false"], run_dir / f"app-{port}.log", environ)


def board_environment(location):
    """The apps' environment with their class board (a file's path or a PostgreSQL URL): in the environment, not
    on the command line, where any user of the machine could read a password."""
    environ = {key: value for key, value in os.environ.items()
               if key not in (board_store.URL_VARIABLE, board_store.PATH_VARIABLE)}
    variable = board_store.URL_VARIABLE if board_store.is_database_url(location) else board_store.PATH_VARIABLE
    return {**environ, variable: str(location)}


def check_board(location):
    """None when the class board can be used, else why not, in words (never the password)."""
    try:
        board_store.Board(location).boards()
    except board_store.BoardError as error:
        return str(error)
    return None


def wait_until_answering(url, process, what):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} ended at start (exit code {process.returncode})")
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within {START_TIMEOUT} s")


def port_is_free(address, port):
    """Nothing listens there (connections just closed do not count: the servers reuse the address)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
            return True
        except OSError:
            return False


def stop_all(processes):
    """SIGTERM to each, then wait; SIGKILL to what is still there after STOP_TIMEOUT s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def on_sigterm(number, frame):
    raise KeyboardInterrupt  # stop as on Ctrl-C


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="app processes to start on this machine (default: one per core)")
    parser.add_argument("--port", type=int, default=8500,
                        help="nginx's port; the app processes take the next ones (default 8500)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="nginx's address (default 127.0.0.1: this machine only; 0.0.0.0 for a class)")
    parser.add_argument("--app-address", default="127.0.0.1",
                        help="the app processes' address (default 127.0.0.1: reached through nginx only)")
    parser.add_argument("--upstream", action="append", default=[], metavar="HOST:PORT",
                        help="an app process started elsewhere (another machine) to add to nginx's list")
    parser.add_argument("--no-proxy", action="store_true", help="start the app processes only, no nginx")
    parser.add_argument("--class-board", metavar="PATH-OR-URL",
                        help="the class board of the app processes: a SQLite file (default: $CLASS_BOARD_URL, else "
                             "$CLASS_BOARD_PATH, else data/class_board.sqlite3), or postgresql://user:password@host/"
                             "database, shared with every machine given the same. A command line is seen by every "
                             "user of the machine: with a password, prefer $CLASS_BOARD_URL")
    parser.add_argument("--run-dir", type=Path, help="folder for nginx's files and the logs (default: a "
                                                     "temporary folder, removed at the end)")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not args.no_proxy and not nginx:
        parser.error("nginx is not installed: apt-get install nginx")
    app_ports = [args.port + 1 + n for n in range(args.processes)]
    taken = [port for port in app_ports if not port_is_free(args.app_address, port)]
    if not args.no_proxy and not port_is_free(args.address, args.port):
        taken.insert(0, args.port)
    if taken:
        parser.error(f"port(s) already in use: {', '.join(map(str, taken))}")
    if not app_ports and (args.no_proxy or not args.upstream):
        parser.error("nothing to serve: give --processes or --upstream")
    board = board_store.board_setting(os.environ, ["--class-board", args.class_board] if args.class_board else [])
    if app_ports and (problem := check_board(board)):
        parser.error(problem)

    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="nn-serve-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        run_dir.chmod(0o711)  # nginx's workers (nobody) reach their temporary folders, list nothing
    signal.signal(signal.SIGTERM, on_sigterm)
    # Ctrl-C stops everything, even when this script was started in the background by a shell without job
    # control, which starts it with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    apps, proxy, code = {}, None, 0
    try:
        for port in app_ports:
            apps[port] = start_app(port, args.app_address, run_dir, board_environment(board))
        for port, process in apps.items():
            wait_until_answering(f"http://{args.app_address}:{port}", process, f"the app process on port {port}")
            print(f"app process {process.pid} on {args.app_address}:{port}", flush=True)
        if not args.no_proxy:
            config = run_dir / "nginx.conf"
            servers = [f"{args.app_address}:{port}" for port in app_ports] + args.upstream
            config.write_text(nginx_config(f"{args.address}:{args.port}", servers, run_dir))
            proxy = start([nginx, "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(config),
                           "-g", "daemon off;"], run_dir / "nginx.out")
            wait_until_answering(f"http://{args.address}:{args.port}", proxy, "nginx")
            print(f"nginx {proxy.pid} serving http://{args.address}:{args.port}/ in front of {', '.join(servers)}",
                  flush=True)
        print(f"this script: pid {os.getpid()}; logs in {run_dir}; Ctrl-C stops everything", flush=True)
        while True:
            if proxy and proxy.poll() is not None:
                print(f"nginx ended (exit code {proxy.returncode}): see {run_dir / 'error.log'}", flush=True)
                code = 1
                break
            for port, process in list(apps.items()):
                if process.poll() is not None:
                    print(f"the app process on port {port} ended (exit code {process.returncode}); nginx sends "
                          "its visitors to the others", flush=True)
                    del apps[port]
            if not apps and not args.upstream:
                print("no app process left", flush=True)
                code = 1
                break
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except RuntimeError as error:
        print(error, file=sys.stderr, flush=True)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not interrupt the stopping
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all([p for p in (proxy,) if p])  # first: no new requests to processes about to stop
        stop_all(list(apps.values()))
        if args.run_dir is None:
            shutil.rmtree(run_dir, ignore_errors=True)
        print("stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
