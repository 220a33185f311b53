"""Refuse request bodies above a size before anything reads them (413 problem+json)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.problems import problem_response


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = chunked = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = value
        # A Content-Length of thousands of digits is too large, not a number to convert.
        if declared is not None and declared.isdigit() and (len(declared) > 18 or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and chunked is None:
            # The server hands the application no more than the declared length (what follows is
            # the next request): a body within the limit needs no counting.
            await self.app(scope, receive, send)
            return
        received = 0
        exceeded = False
        response_started = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started, replaced
            if exceeded and not response_started:
                # The application caught BodyTooLarge as a body it could not read (FastAPI answers
                # 400): whatever it answers, the client learns that the body was too large.
                response_started = replaced = True
                await self._refuse(scope, receive, send)
            if replaced:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if response_started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "requete-trop-grosse",
            "Requête trop volumineuse",
            f"Le corps de la requête dépasse {self.max_bytes // 1024} Ko.",
            scope.get("path"),
        )
        await response(scope, receive, send)
