"""Outbound HTTP connections are kept for the next request to the same checked
address (no TCP set-up per step), never reused after a response left unread,
and not reused once idle for longer than servers keep them."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from workflows_app import net


class _Server:
    """An HTTP/1.1 server on 127.0.0.1 answering `/small` with 2 bytes and
    `/big` with 5,000, recording each request's client port (one per connection)."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = -1

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.ports.append(self.client_address[1])
                body = b"x" * 5000 if self.path == "/big" else b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server(allow_local_http: None) -> Iterator[_Server]:
    net.close_kept_connections()
    running = _Server()
    yield running
    running.httpd.shutdown()
    running.httpd.server_close()
    net.close_kept_connections()


def _post(url: str, **options: object) -> net.Response:
    return net.send("POST", url, body=b"{}", **options)  # type: ignore[arg-type]


def test_requests_to_one_address_share_a_connection(server: _Server) -> None:
    answers = [_post(f"{server.url}/small") for _ in range(5)]
    assert [answer.body for answer in answers] == [b"ok"] * 5
    assert len(set(server.ports)) == 1


def test_a_response_left_unread_closes_its_connection(server: _Server) -> None:
    with pytest.raises(net.ResponseTooLarge):
        _post(f"{server.url}/big", max_response_bytes=100)
    answer = _post(f"{server.url}/small")
    assert answer.body == b"ok"  # not the rest of the large body
    assert len(set(server.ports)) == 2


def test_an_idle_connection_is_not_reused(server: _Server,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(net, "KEEP_IDLE_SECONDS", 0.0)
    assert _post(f"{server.url}/small").body == b"ok"
    assert _post(f"{server.url}/small").body == b"ok"
    assert len(set(server.ports)) == 2


def test_connections_idle_too_long_are_closed_at_the_next_request(
        server: _Server, monkeypatch: pytest.MonkeyPatch) -> None:
    other = _Server()
    try:
        assert _post(f"{other.url}/small").body == b"ok"
        monkeypatch.setattr(net, "KEEP_IDLE_SECONDS", 0.0)
        assert _post(f"{server.url}/small").body == b"ok"
        assert [pool.port for pool, _used in net._kept.values()] == [
            server.httpd.server_address[1]]  # the other destination's were closed
    finally:
        other.httpd.shutdown()
        other.httpd.server_close()
