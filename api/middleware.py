"""What every HTTP exchange goes through before and after a route: the body's size and time
limits, the security headers, and HEAD answered as GET.

Pure ASGI middleware (no `BaseHTTPMiddleware`): they add no task per request and leave
streaming answers streaming.
"""

from __future__ import annotations

import hashlib
import json
import re
from base64 import b64encode
from collections.abc import Iterable

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import Problem, request_lang
from engine.messages import Lang, t

#: Pages and JSON alike: nothing from another origin, no inline script or style, no framing.
#: The coordinator page uses only /static files and fetch() to this origin.
STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def page_csp(html: str, *, inline_styles: bool = False, scripts: bool = True, workers: bool = False) -> str:
    """A policy for an HTML page that cannot avoid inline code (the API docs, the gap report):
    its own inline scripts allowed by hash, nothing else inline unless `inline_styles`."""
    hashes = " ".join(
        f"'sha256-{b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    script = f"script-src 'self' {hashes}".rstrip() if scripts else "script-src 'none'"
    style = "style-src 'self' 'unsafe-inline'" if inline_styles else "style-src 'self'"
    worker = "; worker-src blob:" if workers else ""
    return (
        f"default-src 'none'; {script}; {style}; img-src 'self' data:; connect-src 'self'; "
        f"font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'{worker}"
    )


class SecurityHeaders:
    """Adds the security headers to every answer, and the strict Content-Security-Policy to
    those that do not set their own (see `page_csp`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", STRICT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD on a GET route answers as GET does, without the body (FastAPI routes declare GET
    only, so HEAD would be 405). The server sends no body for HEAD (uvicorn keeps the original
    scope, whose method is still HEAD); the body is dropped here too for other servers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not Content-Length is sent,
    and bodies that do not arrive within `timeout` seconds with 408.

    The body is read (up to the limit) before the app sees it, then replayed: FastAPI turns an
    exception raised while it reads the body into a generic 400, so the limits cannot be
    enforced from inside `receive`.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = request_lang(scope)
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                await send_problem(
                    send,
                    Problem(
                        status=400,
                        code="bad_content_length",
                        message=t("api.body.bad_length", lang, value=length[:40]),
                    ),
                )
                return
            if int(length) > self.max_bytes:
                await send_problem(send, self._too_large(lang))
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        gone: Message | None = None
        with anyio.move_on_after(self.timeout) as deadline:
            while more:
                message = await receive()
                if message["type"] != "http.request":  # the client went away
                    gone = message
                    break
                size += len(message.get("body", b""))
                if size > self.max_bytes:
                    await send_problem(send, self._too_large(lang))
                    return
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
        if gone is not None:
            await self.app(scope, _replay([gone], receive), send)
            return
        if deadline.cancelled_caught:
            await send_problem(
                send,
                Problem(
                    status=408,
                    code="body_timeout",
                    message=t("api.body.timeout", lang, seconds=self.timeout),
                    hint=t("api.body.timeout.hint", lang),
                ),
            )
            return
        first: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([first], receive), send)

    def _too_large(self, lang: Lang) -> Problem:
        return Problem(
            status=413,
            code="body_too_large",
            message=t("api.body.too_large", lang, limit=self.max_bytes),
            hint=t("api.body.too_large.hint", lang),
        )


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def problem_bytes(problem: Problem) -> bytes:
    return json.dumps(problem.model_dump(), ensure_ascii=False).encode()


def problem_headers(body: bytes, extra: Iterable[tuple[bytes, bytes]] = ()) -> list[tuple[bytes, bytes]]:
    """Headers of a Problem answer sent outside FastAPI: the connection is closed after it,
    since what the client sends next on it cannot be trusted to start a request."""
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *extra,
    ]


async def send_problem(send: Send, problem: Problem, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    body = problem_bytes(problem)
    await send(
        {"type": "http.response.start", "status": problem.status, "headers": problem_headers(body, extra)}
    )
    await send({"type": "http.response.body", "body": body})
