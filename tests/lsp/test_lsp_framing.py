"""`kpi lsp` survives what a broken or hostile client sends, and answers the next hover.

Each case sends one bad frame to a real server process over stdio, then a normal
hover, which must be answered.  Requests whose body or params are bad get the
JSON-RPC error the specification names for them (-32700, -32600, -32602).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("pygls")
pytestmark = pytest.mark.lsp

URI = "file:///tmp/kpi-framing/a.kpi"
TEXT = 'rubric "t"\ninput late "迟到次数": count\nitem a "A" points 10 {\n  deduct 1 per late base 10\n}\n'


def frame(message: Any = None, *, raw: bytes | None = None, length: int | None = None) -> bytes:
    body = raw if raw is not None else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


class Client:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "kpidsl.cli.main", "lsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.buf = b""

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def request(self, msg_id: int, method: str, params: Any) -> None:
        self.send(frame({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}))

    def messages(self, timeout: float) -> Iterator[dict[str, Any]]:
        assert self.proc.stdout is not None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            while b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                size = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
                if len(rest) < size:
                    break
                self.buf = rest[size:]
                yield json.loads(rest[:size])
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    return
                self.buf += chunk

    def reply(self, msg_id: int | None, timeout: float = 20) -> dict[str, Any] | None:
        for m in self.messages(timeout):
            if "method" not in m and m.get("id") == msg_id:
                return m
        return None

    def hover(self, msg_id: int) -> dict[str, Any] | None:
        # on `late` in `deduct 1 per late`
        self.request(msg_id, "textDocument/hover", {"textDocument": {"uri": URI}, "position": {"line": 3, "character": 16}})
        return self.reply(msg_id)


@pytest.fixture
def client() -> Iterator[Client]:
    c = Client()
    c.request(1, "initialize", {"capabilities": {}})
    assert c.reply(1) is not None
    c.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    c.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": URI, "languageId": "kpi", "version": 1, "text": TEXT}}}))
    answered = c.hover(2)
    assert answered is not None and "迟到次数" in json.dumps(answered["result"], ensure_ascii=False)
    yield c
    c.proc.kill()
    c.proc.wait()


def _still_answers(c: Client) -> None:
    answered = c.hover(99)
    assert answered is not None, "the server stopped answering after the bad frame"
    assert "迟到次数" in json.dumps(answered["result"], ensure_ascii=False)


def test_a_body_that_is_not_json_gets_a_parse_error_and_the_loop_goes_on(client: Client) -> None:
    client.send(frame(raw=b'{"jsonrpc": "2.0", "id": 7, '))
    error = client.reply(None)
    assert error is not None and error["error"]["code"] == -32700
    _still_answers(client)


def test_a_json_body_that_is_not_an_object_is_an_invalid_request(client: Client) -> None:
    client.send(frame(raw=b"[1, 2, 3]"))
    error = client.reply(None)
    assert error is not None and error["error"]["code"] == -32600
    _still_answers(client)


def test_a_content_length_too_small_costs_that_message_alone(client: Client) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover", "params": {}}).encode()
    client.send(frame(raw=body, length=10))  # the rest of the body runs into the next header
    _still_answers(client)


@pytest.mark.parametrize("params", [
    {"textDocument": {"uri": URI}, "position": {"line": 0, "character": -1}},
    {"textDocument": "a.kpi", "position": 5},
    {"textDocument": {"uri": URI}},
], ids=["negative-character", "wrong-types", "missing-position"])
def test_params_that_do_not_fit_get_an_invalid_params_reply(client: Client, params: dict[str, Any]) -> None:
    client.request(9, "textDocument/hover", params)
    error = client.reply(9)
    assert error is not None and error["error"]["code"] == -32602 and error["id"] == 9
    _still_answers(client)


def test_a_notification_with_bad_params_is_dropped_without_an_answer(client: Client) -> None:
    client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": 3}}))
    _still_answers(client)


def test_an_unknown_method_is_answered_method_not_found(client: Client) -> None:
    client.request(10, "kpi/noSuchThing", {})
    error = client.reply(10)
    assert error is not None and error["error"]["code"] == -32601
    _still_answers(client)
