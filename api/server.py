"""The HTTP server: uvicorn with the limits it lacks, configured from the settings.

uvicorn times out idle keep-alive connections, but not a client that connects and sends its
request line and headers slowly or never (500 such connections stayed open indefinitely), nor
headers of any size; and its concurrency limit counts idle connections with requests and answers
a bare "Service Unavailable". The protocol below adds a header deadline and size limit, a cap on
open connections, and a separate, lower cap on requests in progress (those hold memory: a body
being read, an answer being computed), each refusal a Problem body naming its limit. A client
stalling before its headers therefore costs a socket and at most `max_header_bytes` until the
deadline, and does not keep others' requests out. The body's deadline is api/middleware.py's
`BodyLimit`.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from api.errors import Problem, request_lang
from api.middleware import problem_bytes, problem_headers, send_problem
from api.settings import Settings
from engine.messages import lang_of, t

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large", 503: b"Service Unavailable"}


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus the service settings the protocol reads (it is pickled to
    each worker process with them)."""

    def __init__(self, app: Any, settings: Settings, **kwargs: Any) -> None:
        self.settings = settings
        super().__init__(
            app,
            http=GuardedHttpTools,
            timeout_keep_alive=int(max(1, settings.keep_alive_timeout)),
            access_log=False,
            proxy_headers=False,
            server_header=False,
            **kwargs,
        )


@cache
def _env_settings() -> Settings:
    return Settings()


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit for each request's line
    and headers, and a per-process connection limit."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.limits = config.settings if isinstance(config, ServerConfig) else _env_settings()
        self.lang = lang_of(self.limits.default_lang)
        self.header_deadline: asyncio.TimerHandle | None = None
        self.header_bytes = 0
        self.awaiting_headers = False

    # A request's headers are awaited from the connection or from its first byte on.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            limit = self.limits.max_connections
            self._refuse(503, "server_busy", t("api.busy.connections", self.lang, limit=limit), retry=True)
            return
        self._await_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self.awaiting_headers:
            self._await_headers()

    def _await_headers(self) -> None:
        self.awaiting_headers = True
        self.header_bytes = 0
        self._stop_header_deadline()
        self.header_deadline = self.loop.call_later(self.limits.header_timeout, self._headers_too_slow)

    def _stop_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def data_received(self, data: bytes) -> None:
        waiting = self.awaiting_headers
        super().data_received(data)
        if waiting and self.awaiting_headers:  # still no end of headers: count what came
            self.header_bytes += len(data)
            if self.header_bytes > self.limits.max_header_bytes:
                limit = self.limits.max_header_bytes
                self._refuse(431, "headers_too_large", t("api.headers.too_large", self.lang, limit=limit))

    def on_headers_complete(self) -> None:
        self.awaiting_headers = False
        self._stop_header_deadline()
        if len(self.tasks) < self.limits.max_concurrent_requests:
            super().on_headers_complete()
            return
        app = self.app  # over the limit: this request is answered by `_busy`, then closed
        self.app = self._busy
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    async def _busy(self, scope: Any, receive: Any, send: Any) -> None:
        problem = Problem(
            status=503,
            code="server_busy",
            message=t(
                "api.busy.requests",
                request_lang(scope, self.limits.default_lang),
                limit=self.limits.max_concurrent_requests,
            ),
        )
        await send_problem(send, problem, extra=[(b"retry-after", b"1")])

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if self.awaiting_headers:
            seconds = self.limits.header_timeout
            self._refuse(408, "header_timeout", t("api.headers.timeout", self.lang, seconds=seconds))

    def _refuse(self, status: int, code: str, message: str, retry: bool = False) -> None:
        """Answer a request that never reached the app, and close the connection."""
        self._stop_header_deadline()
        self.awaiting_headers = False
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # a pipelined request behind one still being answered: an answer written now would
            # land inside that one's; closing is all that can be done
            self.transport.close()
            return
        body = problem_bytes(Problem(status=status, code=code, message=message))
        extra = [(b"retry-after", b"1")] if retry else []
        head = b"".join(k + b": " + v + b"\r\n" for k, v in problem_headers(body, extra))
        self.transport.write(b"HTTP/1.1 %d %s\r\n%s\r\n%s" % (status, _REASONS[status], head, body))
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_deadline()
        super().connection_lost(exc)


def run(settings: Settings, host: str, port: int, workers: int, log_level: str) -> None:
    """Serve `api.main:app` as `uvicorn.run` would, with `ServerConfig`."""
    config = ServerConfig(
        "api.main:app", settings, host=host, port=port, workers=workers, log_level=log_level
    )
    try:
        if workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
