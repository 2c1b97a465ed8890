"""The fake NetBox's HTTP side: NetBox's list views over real HTTP on 127.0.0.1, in a thread.

Pages as NetBox serves them ({"count", "next", "previous", "results"}, `limit`/`offset`,
`limit=0` for the largest page), `?brief=1` answering brief forms, the API-Version header, and
403 {"detail": "Invalid v1 token"} for a missing or wrong `Authorization: Token ...`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from diag.model.inventory import Inventory

from .netbox_fake import PATHS, NetBox, build

# NetBox's PAGINATE_COUNT default, and a MAX_PAGE_SIZE (default 1000) an admin set to 100: the
# demo's hundreds of devices, interfaces and cables then come in several pages.
PAGE, MAX_PAGE = 50, 100


class _Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        self.server.requests.append(self.path)

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("API-Version", "4.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.server.auth_headers.append(auth)
        if auth != f"Token {self.server.token}":
            self._send(403, {"detail": "Invalid v1 token"})
            return
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        key = next((k for k, p in PATHS.items() if parts.path == f"/api/{p}/"), None)
        if key is None:
            self._send(404, {"detail": "Not found."})
            return
        nb = self.server.netbox
        rows = (
            list(nb.brief[key].values())
            if query.get("brief") in ("1", "true", "True")
            else nb.full[key]
        )
        limit = int(query.get("limit", PAGE)) or MAX_PAGE
        limit = min(limit, MAX_PAGE)
        offset = int(query.get("offset", 0))
        page = rows[offset : offset + limit]
        base = f"{nb.api}/{PATHS[key]}/"
        more = offset + limit < len(rows)
        self._send(
            200,
            {
                "count": len(rows),
                "next": f"{base}?limit={limit}&offset={offset + limit}" if more else None,
                "previous": (
                    f"{base}?limit={limit}&offset={max(0, offset - limit)}" if offset else None
                ),
                "results": page,
            },
        )


class Server(ThreadingHTTPServer):
    netbox: NetBox
    token: str
    requests: list[str]
    auth_headers: list[str]


@contextmanager
def serve(inv: Inventory, token: str) -> Iterator[Server]:
    """A NetBox holding `inv`, on 127.0.0.1 (an ephemeral port), in a thread."""
    server = Server(("127.0.0.1", 0), _Handler)
    server.token, server.requests, server.auth_headers = token, [], []
    server.netbox = build(inv, f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
