"""Collector settings: documented defaults, overridable per inventory group and per run.

Precedence (last wins): built-in defaults < inventory `settings.default` < inventory
`settings.groups.<group>` (the circuit's `group`) < `--set key=value` on the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from diag.errors import InventoryError
from diag.i18n import tr

if TYPE_CHECKING:
    from diag.model.inventory import Inventory


class CollectorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # SNMP
    snmp_max_in_flight: int = Field(64, ge=1, le=128, description="requests in flight per engine")
    # CLI sessions (SSH / console)
    ssh_timeout_s: float = Field(15.0, gt=0, description="connect + login")
    command_timeout_s: float = Field(30.0, gt=0, description="one command's output")
    console_baudrate: int = Field(9600, description="serial console speed")
    console_probes: int = Field(5, ge=0, description="prompt round trips measured on the console")
    cli_threads: int = Field(16, ge=1, le=64, description="blocking sessions (netmiko) at once")
    ssh_host_keys: Literal["strict", "accept-new", "off"] = Field(
        "strict",
        description="SSH host keys: strict (unknown or changed key refused before login), "
        "accept-new (unknown keys recorded, changed refused), off (not checked; warned)",
    )
    known_hosts: str | None = Field(
        None,
        description="known-hosts file (OpenSSH format); default: known_hosts in the inventory "
        "folder; relative paths in the inventory are relative to its folder",
    )
    # CRC growth (two samples of the counter; counters are never cleared unless asked)
    crc_sample_interval_s: float = Field(30.0, ge=0, description="time between the two CRC samples")
    clear_counters: bool = Field(
        False, description="clear counters before sampling (asks the device)"
    )
    # Ping (host and router-originated)  # noqa: ERA001
    ping_count: int = Field(20, ge=1, le=100000)
    ping_interval_s: float = Field(0.2, gt=0)
    ping_size: int = Field(100, ge=0, le=65000, description="ICMP payload bytes")
    ping_timeout_s: float = Field(1.0, gt=0, description="wait for each reply")
    ping_df: bool = Field(False, description="set the don't-fragment bit")
    ping_pattern: str | None = Field(None, description="payload pattern, hex (e.g. ff00)")
    ping_engine: str = Field("auto", description="auto | fping | iputils | icmplib")
    host_ping: bool = Field(True, description="ping the circuit's WAN addresses from this host")
    console: Literal["fallback", "always", "never"] = Field(
        "fallback", description="read routers over the console: when SSH fails, always, or never"
    )
    router_ping: bool = Field(True, description="ping the far-end WAN address from each router")


def settings_help() -> str:
    """One line per setting with its default and meaning (for --help and the README)."""
    lines = []
    for name, f in CollectorSettings.model_fields.items():
        lines.append(f"{name}={f.default!r}  {f.description or ''}".rstrip())
    return "\n".join(lines)


def merge(layers: list[dict[str, Any]], where: str = "settings") -> CollectorSettings:
    """Apply override layers in order over the defaults; every bad key or value is reported."""
    values: dict[str, Any] = {}
    for layer in layers:
        values.update(layer)
    try:
        return CollectorSettings.model_validate(values)
    except ValidationError as exc:
        from diag.model.pydantic_text import pydantic_text

        # pydantic's own messages (no validator of ours here), the common ones translated
        problems = [
            f"{where}: '{'.'.join(str(x) for x in e['loc'])}': {pydantic_text(e)}"
            for e in exc.errors()
        ]
        raise InventoryError(problems, source=where) from exc


def for_circuit(
    default: dict[str, Any],
    groups: dict[str, dict[str, Any]],
    group: str | None,
    run: dict[str, Any] | None = None,
) -> CollectorSettings:
    """Defaults < inventory settings.default < settings.groups.<group> < per-run overrides."""
    layers = [default]
    if group and group in groups:
        layers.append(groups[group])
    if run:
        layers.append(run)
    return merge(layers, where=tr("settings (inventory and --set)"))


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`key=value` strings from the command line (values are validated by merge)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InventoryError(
                [tr("--set {pair}: write key=value, e.g. --set ping_count=100", pair=repr(pair))],
                source="--set",
            )
        out[key.strip()] = value.strip()
    return out


def with_inventory_folder(inv: Inventory, root: Path | str) -> Inventory:
    """The inventory with the settings that belong to its folder: `known_hosts` defaults to
    `<folder>/known_hosts`, and a relative `known_hosts` in its settings is read from the folder
    (`--set known_hosts=...` stays relative to the working directory).  `root` is what was
    loaded: the folder, or a single file (its folder then)."""
    path = Path(root)
    folder = (path if path.is_dir() else path.parent).resolve()

    def anchored(layer: dict[str, Any]) -> dict[str, Any]:
        value = layer.get("known_hosts")
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            return {**layer, "known_hosts": str(folder / value)}
        return layer

    default = {"known_hosts": str(folder / "known_hosts"), **anchored(inv.settings_default)}
    groups = {g: anchored(layer) for g, layer in inv.settings_groups.items()}
    return inv.model_copy(update={"settings_default": default, "settings_groups": groups})
