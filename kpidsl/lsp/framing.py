"""The message loop of ``kpi lsp``: JSON-RPC frames off stdin, answered whatever arrives.

pygls' own loop logs and drops a body that is not JSON or whose params do not fit the
method, so the editor waits for an answer that never comes; and a Content-Length that
is too small leaves the rest of that body glued to the next header line, which then no
longer matches, so a good message is lost too.  This loop answers both with the
JSON-RPC error the specification names, and finds a header anywhere in its line, so one
bad frame costs that frame alone.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Awaitable
from typing import Any, Protocol

from pygls.exceptions import JsonRpcException

logger = logging.getLogger(__name__)

HEADER = re.compile(rb"content-length:[ \t]*(\d+)", re.IGNORECASE)
MAX_BODY = 64 * 1024 * 1024  # an editor's largest document, with room; past it a body is not read into memory
DISCARD_CHUNK = 1024 * 1024

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


class Reader(Protocol):
    def readline(self) -> Awaitable[bytes]: ...

    def readexactly(self, n: int) -> Awaitable[bytes]: ...


class Writer(Protocol):
    def write(self, data: bytes) -> Any: ...


class Handler(Protocol):
    """What of pygls' protocol the loop needs."""

    def structure_message(self, data: dict[str, Any]) -> Any: ...

    def handle_message(self, message: Any) -> None: ...


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def error_reply(msg_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}


def answer(body: bytes, protocol: Handler, writer: Writer) -> None:
    """Hand one body to pygls, or answer the client with why it could not be."""
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        writer.write(frame(error_reply(None, PARSE_ERROR, f"Parse error: {exc}")))
        return
    if not isinstance(raw, dict):
        writer.write(frame(error_reply(None, INVALID_REQUEST, "Invalid Request: a message is a JSON object")))
        return
    msg_id = raw.get("id")
    is_request = "method" in raw and isinstance(msg_id, int | str)
    try:
        message = protocol.structure_message(raw)
    except JsonRpcException as exc:
        if is_request:  # a notification has no one to answer: logged and dropped, as the spec says
            writer.write(frame(error_reply(msg_id, INVALID_PARAMS, f"Invalid params for {raw.get('method')!s}")))
        logger.warning("dropped a message that does not fit its method: %s", exc)
        return
    try:
        protocol.handle_message(message)
    except Exception:  # one broken handler must not end the loop the other documents share
        logger.exception("a message could not be handled")
        if is_request:
            writer.write(frame(error_reply(msg_id, -32603, "Internal error")))


async def run(stop: threading.Event, reader: Reader, protocol: Handler, writer: Writer) -> None:
    length: int | None = None
    while not stop.is_set():
        line = await reader.readline()
        if not line:
            return
        if line.strip():
            found = HEADER.search(line)
            if found:  # the last header wins: the tail of a short body before it is skipped
                length = int(found.group(1))
            continue
        if length is None:  # a blank line with no header before it: nothing to read
            continue
        size, length = length, None
        if size > MAX_BODY:
            if not await _discard(reader, size):
                return
            writer.write(frame(error_reply(None, INVALID_REQUEST, f"Invalid Request: a body of {size} bytes is over "
                                                                  f"the {MAX_BODY}-byte limit")))
            continue
        body = await reader.readexactly(size)
        if len(body) < size:
            return  # the client went away mid-message
        answer(body, protocol, writer)


async def _discard(reader: Reader, size: int) -> bool:
    while size > 0:
        chunk = await reader.readexactly(min(size, DISCARD_CHUNK))
        if not chunk:
            return False
        size -= len(chunk)
    return True
