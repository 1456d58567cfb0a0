"""The review app's outer guards: the Host header (DNS rebinding), security headers on every response,
and constant-time token look-up.

A page on ``evil.example`` that re-points its DNS name to 127.0.0.1 can make a victim's browser read a
no-token app bound to loopback; the browser then sends ``Host: evil.example``, which :class:`HostGuard`
refuses with 400 before any route runs.
"""

from __future__ import annotations

import hmac
import json
from typing import Iterable, TypeVar

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
TEST_CLIENT_HOST = "testserver"  # Starlette's TestClient; not a resolvable DNS name

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"))

T = TypeVar("T")


def allowed_hosts(bound: str | None = None, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host names the app answers to: loopback names, the bound address and ``extra`` (lower case, no port)."""
    names = set(LOOPBACK_NAMES) | {TEST_CLIENT_HOST}
    if bound:
        names.add(bound.lower())
        if ":" in bound and not bound.startswith("["):
            names.add(f"[{bound.lower()}]")
    names.update(h.lower() for h in extra if h)
    return frozenset(names)


def host_name(header: str) -> str:
    """``Host`` without its port: ``127.0.0.1:8765`` → ``127.0.0.1``, ``[::1]:80`` → ``[::1]``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def find_token(table: dict[str, T], token: str) -> T | None:
    """The entry of ``table`` whose key equals ``token``, compared in constant time (every key is compared,
    so the time does not tell how many characters matched or which user exists)."""
    found = None
    given = token.encode()
    for key, value in table.items():
        if hmac.compare_digest(key.encode(), given):
            found = value
    return found


class HostGuard:
    """ASGI middleware: 400 unless the ``Host`` header names one of ``hosts``; adds :data:`HEADERS` to every
    response (pages, API, static files, errors)."""

    def __init__(self, app, hosts: Iterable[str] | None = None) -> None:
        self.app, self.hosts = app, frozenset(hosts) if hosts is not None else allowed_hosts()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *HEADERS]}
            await send(message)

        host = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1")
        if host_name(host) not in self.hosts:
            body = json.dumps({"error": "unknown Host header; open the address `qa review` printed"}).encode()
            await with_headers({"type": "http.response.start", "status": 400,
                                "headers": [(b"content-type", b"application/json"),
                                            (b"content-length", str(len(body)).encode())]})
            return await with_headers({"type": "http.response.body", "body": body})
        await self.app(scope, receive, with_headers)


def audio_cache_lifespan(folder):
    """A FastAPI ``lifespan`` that deletes ``folder`` (the decoded-audio cache) when the app stops."""
    import contextlib
    import shutil

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return lifespan
