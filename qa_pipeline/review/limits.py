"""Bounded requests: the review app reads small JSON bodies only."""

from __future__ import annotations

import json

MAX_BODY_BYTES = 64 << 10   # a decision with a long comment is a few kB


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 before the app parses it.

    Checks the declared ``content-length`` first, then counts the bytes actually received
    (chunked uploads declare none); the body, small by then, is handed to the app whole.
    """

    def __init__(self, app, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(send)
        body, more = b"", True
        while more:  # read (at most max_bytes of) the body here, then hand it to the app whole
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                return await self._refuse(send)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send) -> None:
        body = json.dumps({"error": f"request body over {self.max_bytes >> 10} KiB"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
