"""A private, throwaway PostgreSQL server for the tests: its own cluster in a temporary folder, on a free port of
127.0.0.1, with a password of its own. It never touches a system cluster or the usual port 5432.

    with PostgresServer() as server:
        url = server.fresh_database()  # "postgresql://board_admin:...@127.0.0.1:PORT/test_..."

PostgreSQL refuses to run as root: when the tests run as root, the server runs as the system user `postgres`
(Debian's package makes it), and its folder belongs to that user, who must be able to reach it (the folder is
made in the usual temporary folder, TMPDIR or /tmp).
"""

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

USER = "board_admin"  # the server's superuser, the only role the tests use
OWNER_WHEN_ROOT = "postgres"  # who runs the server when the tests run as root
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",  # this machine only, over TCP
    "unix_socket_directories": "''",  # no socket file anywhere: TCP is the one way in
    # Never wait for the disk, for speed: the data would not survive a crash of the machine, and need not.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def binaries():
    """The folder holding initdb, pg_ctl and postgres: the one on PATH, else the newest Debian version
    (/usr/lib/postgresql/*/bin, which Debian leaves off PATH). None when PostgreSQL is not installed."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent  # a link on PATH: the folder it points into
    found = [Path(folder) for folder in glob.glob("/usr/lib/postgresql/*/bin") if Path(folder, "initdb").exists()]
    if not found:
        return None
    return max(found, key=lambda folder: _version(folder.parent.name))


def _version(name):
    """A version folder's name as numbers ("15" -> (15,), "9.6" -> (9, 6)), so that 10 comes after 9.6."""
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def free_port():
    """A port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder: start() creates it the first time and starts it, stop() stops
    it (its data and port are kept for the next start()), close() stops it and deletes the folder."""

    def __init__(self):
        self.bin = binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed: run `apt-get install postgresql`")
        self.folder = Path(tempfile.mkdtemp(prefix="postgres-test-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"  # what initdb, pg_ctl and the server say, for the errors below
        self.password = secrets.token_urlsafe(24)  # letters, digits, - and _: nothing to quote in a URL
        self.port = None  # chosen at the first start, then kept
        self._databases = 0

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()  # no folder left behind by a server that never started
            raise
        return self

    def __exit__(self, *exception):
        self.close()

    @property
    def running(self):
        """Whether a server runs on this folder's data: its postmaster.pid is there from its start to its exit (so a
        start that timed out, leaving a server behind, is still stopped by close())."""
        return (self.data / "postmaster.pid").exists()

    def start(self):
        """Create the cluster if it is not there yet, then start the server and wait until it takes connections."""
        if self.running:
            return
        if not self.data.exists():
            self._create_cluster()
        if self.port is None:
            self.port = free_port()
            self._write_settings()
        self._run("pg_ctl", "start", "--wait", "--timeout=60", "-D", self.data, failure="the server did not start")

    def stop(self):
        """Fast shutdown (open sessions are ended, written data is kept), and wait until the server has exited."""
        if self.running:
            self._run("pg_ctl", "stop", "--wait", "--mode=fast", "-D", self.data, failure="the server did not stop")

    def close(self):
        """Stop the server and delete its folder, data and log with it."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database="postgres", password=None):
        """The address of a database of this server, as psycopg takes it, and SQLAlchemy too (2.1 reads postgresql://
        as psycopg 3). password=None is the right password; tests pass another one to see it refused."""
        return f"postgresql://{USER}:{password or self.password}@127.0.0.1:{self.port}/{database}"

    def fresh_database(self):
        """A new, empty database with a name of its own; returns its URL.

        A database per test rather than a schema per test: this call took 0.06 s when measured (PostgreSQL 15,
        fsync off; 0.025 s of it CREATE DATABASE, the rest the connection), far under the ~0.3 s that would have
        made a schema per test worth it (set as the URL's search_path, it is quicker still, but leaves the other
        tests' tables one schema-qualified name away)."""
        self._databases += 1
        name = f"test_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as connection:  # CREATE DATABASE takes no transaction
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _create_cluster(self):
        """initdb into folder/data: the superuser USER with a password read from a file (never on a command
        line, where `ps` shows it), a password asked of every connection (scram-sha-256)."""
        password_file = self.folder / "password"
        password_file.write_text(self.password)
        self._give_to_owner(self.folder, password_file)
        try:
            self._run("initdb", "-D", self.data, f"--username={USER}", f"--pwfile={password_file}",
                      "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
                      failure="initdb failed")
        finally:
            password_file.unlink()

    def _write_settings(self):
        """Add this server's settings (SETTINGS and its port) to the end of its postgresql.conf, where they win."""
        lines = [f"{name} = {value}" for name, value in {**SETTINGS, "port": self.port}.items()]
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# The tests' throwaway server (tests/postgres_server.py)\n" + "\n".join(lines) + "\n")

    def _run(self, program, *arguments, failure):
        """Run one of PostgreSQL's programs as the server's owner, what it says added to the log; when it fails,
        raise RuntimeError with the end of the log (which has the server's own words for what went wrong)."""
        with open(self.log, "a") as log:
            # pg_ctl start leaves the server running with this log as its output
            done = subprocess.run([self.bin / program, *map(str, arguments)], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=subprocess.STDOUT, cwd=self.folder, **_as_owner())
        if done.returncode != 0:
            raise RuntimeError(f"{failure} (exit {done.returncode}); the end of its log:\n{self._log_tail()}")

    def _log_tail(self, lines=30):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    @staticmethod
    def _give_to_owner(*paths):
        """When running as root, hand these files to the user the server runs as."""
        if os.geteuid() == 0:
            owner = _owner()
            for path in paths:
                os.chown(path, owner.pw_uid, owner.pw_gid)


def _owner():
    try:
        return pwd.getpwnam(OWNER_WHEN_ROOT)
    except KeyError:
        raise RuntimeError(f"PostgreSQL cannot run as root, and there is no user {OWNER_WHEN_ROOT!r} to run it as "
                           "(Debian's postgresql package creates it)") from None


def _as_owner():
    """subprocess's arguments to run a program as the server's owner: as OWNER_WHEN_ROOT, without root's groups,
    when we are root; as ourselves otherwise."""
    if os.geteuid() != 0:
        return {}
    owner = _owner()
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": [],
            "env": {**os.environ, "HOME": owner.pw_dir, "USER": owner.pw_name, "LOGNAME": owner.pw_name}}
