"""The servers in front of Haven: no Server header naming the software, and no query string (where
a staff search puts what was searched for) in any request log.

Gunicorn runs for real, in a subprocess with gunicorn.conf.py, against a throwaway test setup;
Django's development server runs in a thread with its own request handler and logging."""

from __future__ import annotations

import http.client
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.servers import basehttp

ROOT = Path(__file__).resolve().parent.parent
MARKER = "ZZMARKER7Q"
SEARCH = f"/staff/audit/?reference=HVN-{MARKER}&advisor={MARKER}2"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def server_names(response: http.client.HTTPResponse) -> list[str]:
    return [value for name, value in response.getheaders() if name.lower() == "server"]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """A real gunicorn, started as production starts it, on a migrated test setup."""
    var = tmp_path_factory.mktemp("gunicorn-var")
    access_log = var / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_"))}
    env.update(HAVEN_ENV="test", HAVEN_VAR_DIR=str(var))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
            "haven.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError as refused:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stderr.read().decode() if server.stderr else ""
                    raise RuntimeError(output) from refused
                time.sleep(0.2)
        yield port, access_log
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_gunicorn_sends_no_server_header(gunicorn):
    port, _log = gunicorn

    for path in ("/", "/staff/sign-in/", "/no-such-page/"):
        response = get(port, path)
        assert response.status in (200, 404)
        assert server_names(response) == []


def test_gunicorn_still_sends_haven_s_own_headers(gunicorn):
    port, _log = gunicorn

    response = get(port, "/")

    assert response.status == 200
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Date")


def test_gunicorn_logs_a_staff_search_without_what_was_searched_for(gunicorn):
    port, access_log = gunicorn

    response = get(port, SEARCH)

    assert response.status == 302
    deadline = time.monotonic() + 10
    while "/staff/audit/" not in access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    logged = access_log.read_text()
    assert '"GET /staff/audit/ HTTP/1.1" 302' in logged
    assert MARKER not in logged
    assert "127.0.0.1" not in logged


@pytest.fixture
def development_server() -> Iterator[int]:
    """Django's runserver request handling (basehttp), serving haven.wsgi in a thread."""
    from haven.wsgi import application

    server = basehttp.WSGIServer(("127.0.0.1", 0), basehttp.WSGIRequestHandler)
    server.set_app(application)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def django_server_log() -> Iterator[io.StringIO]:
    """What the django.server logger, as LOGGING configures it, writes.

    Only LOGGING's own handler (dictConfig names it after its key), taken once: pytest attaches
    its capturing handlers to non-propagating loggers such as this one as each phase of a test
    begins, and the first import of haven.wsgi in a process configures logging again, removing
    them. So the logger's list at teardown was longer than at setup whenever this was the
    process's first test to import haven.wsgi: alone, or on a pytest-xdist worker that had not
    run the test above.
    """
    captured = io.StringIO()
    handlers = [
        handler
        for handler in logging.getLogger("django.server").handlers
        if handler.get_name() == "django.server"
    ]
    assert handlers
    streams = [handler.setStream(captured) for handler in handlers]  # type: ignore[attr-defined]
    yield captured
    for handler, stream in zip(handlers, streams, strict=True):
        handler.setStream(stream)  # type: ignore[attr-defined]


def test_the_development_server_sends_no_server_header(development_server):
    response = get(development_server, "/staff/sign-in/")

    assert response.status == 200
    assert server_names(response) == []


def test_the_development_server_logs_a_staff_search_without_what_was_searched_for(
    development_server, django_server_log
):
    response = get(development_server, SEARCH)

    assert response.status == 302
    # The handler logs the request after it has sent the response.
    deadline = time.monotonic() + 10
    while "/staff/audit/" not in django_server_log.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = django_server_log.getvalue()
    assert '"GET /staff/audit/ HTTP/1.1" 302' in logged
    assert MARKER not in logged


def test_the_request_log_filter_drops_every_query_string(django_server_log):
    logger = logging.getLogger("django.server")

    logger.warning("code %d, message %s", 400, f"Bad request syntax ('GET /?q={MARKER} HTTP/1.1')")
    logger.info('"%s" %s %s', f"GET /staff/audit/?reference={MARKER} HTTP/1.1", "200", "9")

    logged = django_server_log.getvalue()
    assert MARKER not in logged
    assert "Bad request syntax ('GET / HTTP/1.1')" in logged
    assert '"GET /staff/audit/ HTTP/1.1" 200 9' in logged
