"""Read NetBox: its REST API through pynetbox, or an export file of the same API objects.

What is read (NetBox 4.x list endpoints, every page): circuits/circuits, circuits/providers,
circuits/circuit-terminations, dcim/sites, dcim/devices, dcim/interfaces, dcim/cables and
ipam/ip-addresses.  An export file is one JSON object with those lists under the keys of
`ENDPOINTS` (each either a list of objects or a page `{"count", "next", "previous",
"results"}`), e.g. saved with `curl .../api/dcim/devices/?limit=0`.

The token is read from an environment variable by the CLI and handed to pynetbox only: it is
never printed, logged or written (an error names the variable, not its value).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from diag.i18n import tr
from diag.inventory.importers.result import SourceError

# export key -> (pynetbox app, endpoint attribute)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "circuits": ("circuits", "circuits"),
    "providers": ("circuits", "providers"),
    "circuit_terminations": ("circuits", "circuit_terminations"),
    "sites": ("dcim", "sites"),
    "devices": ("dcim", "devices"),
    "interfaces": ("dcim", "interfaces"),
    "cables": ("dcim", "cables"),
    "ip_addresses": ("ipam", "ip_addresses"),
}
TIMEOUT_S = 30.0  # per HTTP request: a NetBox that stops answering must not hang the import
MAX_EXPORT_BYTES = 256 * 1024 * 1024


@dataclass
class NetBoxData:
    """The API objects as NetBox serves them (JSON), by export key."""

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, key: str) -> list[dict[str, Any]]:
        return self.objects.get(key, [])


def shown_url(url: str) -> str:
    """The URL without user:password@ (never shown) and without the query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _results(value: Any, key: str, source: str) -> list[dict[str, Any]]:
    if isinstance(value, dict) and "results" in value:
        value = value["results"]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SourceError(
            tr(
                "{source}: '{key}' must be a list of NetBox objects or a page with 'results'",
                source=source,
                key=key,
            )
        )
    return value


def read_export(path: Path) -> NetBoxData:
    """The objects of a NetBox export file (see the module docstring)."""
    try:
        size = path.stat().st_size
        if size > MAX_EXPORT_BYTES:
            raise SourceError(tr("{path}: larger than 256 MiB", path=path))
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(tr("{path}: no such file", path=path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(tr("{path}: not a JSON file: {reason}", path=path, reason=exc)) from None
    if not isinstance(doc, dict):
        raise SourceError(tr("{path}: expected a JSON object keyed by endpoint", path=path))
    unknown = sorted(set(doc) - set(ENDPOINTS))
    if unknown:
        raise SourceError(
            tr(
                "{path}: unknown key(s) {keys}; an export holds {known}",
                path=path,
                keys=", ".join(unknown),
                known=", ".join(ENDPOINTS),
            )
        )
    return NetBoxData({k: _results(v, k, str(path)) for k, v in doc.items()})


def _session() -> Any:
    import requests

    class _Timed(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("timeout", TIMEOUT_S)
            return super().request(*args, **kwargs)

    return _Timed()


def read_api(url: str, token: str, token_var: str = "") -> NetBoxData:
    """Every object of ENDPOINTS from the NetBox at `url` (all pages, through pynetbox)."""
    import pynetbox
    import requests

    where = shown_url(url)
    api = pynetbox.api(url.rstrip("/"), token=token)
    api.http_session = _session()
    out: dict[str, list[dict[str, Any]]] = {}
    for key, (app, name) in ENDPOINTS.items():
        endpoint = getattr(getattr(api, app), name)
        try:
            out[key] = [dict(record) for record in endpoint.all()]
        except pynetbox.RequestError as exc:
            status = exc.req.status_code
            if status in (401, 403):
                raise SourceError(
                    tr(
                        "NetBox at {url} refused the token (HTTP {status}): check the token in "
                        "{var} and that it may read {endpoint}",
                        url=where,
                        status=status,
                        var=token_var or tr("the token variable"),
                        endpoint=f"{app}/{name.replace('_', '-')}",
                    )
                ) from None
            raise SourceError(
                tr(
                    "NetBox at {url}: {endpoint} answered HTTP {status}",
                    url=where,
                    endpoint=f"{app}/{name.replace('_', '-')}",
                    status=status,
                )
            ) from None
        except (pynetbox.ContentError, ValueError) as exc:
            raise SourceError(
                tr(
                    "NetBox at {url}: not NetBox's JSON: {reason}",
                    url=where,
                    reason=type(exc).__name__,
                )
            ) from None
        except requests.RequestException as exc:
            raise SourceError(
                tr("cannot reach NetBox at {url}: {reason}", url=where, reason=type(exc).__name__)
            ) from None
    return NetBoxData(out)


def map_netbox(data: NetBoxData, providers: tuple[str, ...] = ()) -> Any:
    """The diag entries of `data` (diag.inventory.importers.netbox_map); only the circuits of
    `providers` (names or slugs) when given."""
    from diag.inventory.importers.netbox_map import Mapper

    return Mapper(data, providers).run()
