"""The tests' private PostgreSQL server (postgres_server.py): it takes connections with its password only, keeps
its data across a stop and a start, gives each test a database of its own, and listens on 127.0.0.1 alone."""

import socket

import psycopg
import pytest
from conftest import needs_postgres
from postgres_server import PostgresServer


@pytest.fixture
def own_server():
    """A server of this test's own, for the tests that stop it (the shared postgres_server stays up for the rest)."""
    needs_postgres()
    with PostgresServer() as server:
        yield server


def select_1(url):
    with psycopg.connect(url, connect_timeout=5) as connection:
        return connection.execute("SELECT 1").fetchone()[0]


def test_a_server_takes_connections_and_leaves_nothing_behind():
    needs_postgres()
    with PostgresServer() as server:
        assert select_1(server.url()) == 1
        folder, url = server.folder, server.url()
    assert not folder.exists()
    with pytest.raises(psycopg.OperationalError, match="refused"):
        select_1(url)


def test_a_wrong_password_is_refused(postgres_server):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        select_1(postgres_server.url(password="not-the-password"))


def test_data_survives_a_stop_and_a_start_and_no_one_gets_in_while_stopped(own_server):
    url = own_server.fresh_database()
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE posts (body text)")
        connection.execute("INSERT INTO posts VALUES ('written before the stop')")
    port = own_server.port

    own_server.stop()
    with pytest.raises(psycopg.OperationalError, match="refused"):
        select_1(url)

    own_server.start()
    assert own_server.port == port  # the same URL works again
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT body FROM posts").fetchall() == [("written before the stop",)]


def test_a_start_that_fails_says_why(own_server):
    own_server.stop()
    with socket.socket() as squatter:  # something else took the server's port while it was stopped
        squatter.bind(("127.0.0.1", own_server.port))
        squatter.listen()
        with pytest.raises(RuntimeError, match="Address already in use"):
            own_server.start()
    own_server.start()
    assert select_1(own_server.url()) == 1


def test_fresh_databases_do_not_see_each_others_tables(postgres_server, postgres_url):
    other_url = postgres_server.fresh_database()
    assert other_url != postgres_url
    with psycopg.connect(postgres_url) as connection:
        connection.execute("CREATE TABLE posts (body text)")
    with psycopg.connect(other_url) as connection:
        tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert tables == []


def test_the_server_listens_on_127_0_0_1_alone(postgres_server):
    with psycopg.connect(postgres_server.url()) as connection:
        assert connection.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert connection.execute("SHOW unix_socket_directories").fetchone()[0] == ""  # no socket file either
    # Other addresses of this machine's loopback: nothing answers on the server's port there.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", postgres_server.port), timeout=5).close()
    with pytest.raises(OSError):  # refused, or no IPv6 at all
        socket.create_connection(("::1", postgres_server.port), timeout=5).close()
