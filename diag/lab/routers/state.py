"""Explicit state of a simulated customer router, as a scenario writes it.

Counters advance with time: a counter value `v` with growth `r` per minute reads
`v + r * minutes_since_lab_start` (integer part), so CRC growth is real across two samples.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Counters(_M):
    input_packets: int = 0
    output_packets: int = 0
    input_bytes: int = 0
    output_bytes: int = 0
    input_errors: int = 0
    crc: int = 0
    frame: int = 0
    overrun: int = 0
    ignored: int = 0
    aborts: int = 0
    output_errors: int = 0
    collisions: int = 0
    interface_resets: int = 0
    carrier_transitions: int = 0
    runts: int = 0
    giants: int = 0
    throttles: int = 0
    input_drops: int = 0
    output_drops: int = 0
    # Added: the rest of the IOS counter block (duplex mismatch and cabling symptoms).
    no_buffer: int = 0
    underruns: int = 0
    late_collisions: int = 0
    deferred: int = 0
    lost_carrier: int = 0
    no_carrier: int = 0


class V35Leads(_M):
    dcd: bool = True
    dsr: bool = True
    dtr: bool = True
    rts: bool = True
    cts: bool = True


class InterfaceState(_M):
    name: str = Field(
        description="full name as the router prints it, e.g. Serial0/0/0:0, Serial1/0/0"
    )
    kind: Literal["serial", "ethernet", "e1-channel"]
    description: str | None = None
    admin_up: bool = True
    status: Literal["up", "down"] = "up"
    protocol: Literal["up", "down"] = "up"
    ip: str | None = Field(default=None, description="address/prefix, e.g. 10.20.0.1/30")
    bandwidth_kbit: int = 2048
    mtu: int = 1500
    encapsulation: str = "HDLC"
    mac: str | None = None
    counters: Counters = Field(default_factory=Counters)
    growth_per_min: dict[str, float] = Field(
        default_factory=dict, description="counter name -> increase per minute (e.g. crc: 12)"
    )
    input_rate_bps: int = 0
    output_rate_bps: int = 0
    last_clearing: str = Field(
        default="never",
        description="'never', or how long ago counters were cleared at lab start in IOS form "
        "(00:12:30, 1d02h, 3w2d); it ages with lab time",
    )
    counter_bits: Literal[32, 64] | None = Field(
        default=None,
        description="counters wrap at 2**bits like a router's 32-bit CLI counters (None: never)",
    )
    cleared_at_s: float | None = Field(
        default=None,
        description="lab time of the last `clear counters` typed on the CLI (set by the CLI)",
    )
    v35: V35Leads | None = Field(
        default=None, description="control leads, for V.35 serial interfaces"
    )
    cable: str | None = Field(
        default=None, description="e.g. 'V.35 DTE cable' (show controllers serial)"
    )
    clock_rate: int | None = None
    # Added for realism; every field has a default derived from `kind` when left unset.
    hardware: str | None = Field(
        default=None,
        description="'Hardware is ...' text; default per vendor/kind (GT96K Serial, ...)",
    )
    delay_usec: int | None = Field(
        default=None, description="IOS DLY; default 20000 serial, 100/10 eth"
    )
    looped: bool = Field(
        default=False, description="keepalives see their own frames (carrier loop)"
    )
    clocks_detected: bool = Field(default=True, description="DTE sees TX/RX clocks from the DCE")
    timeslots: str = Field(
        default="1-31", description="E1 channel-group timeslots (e1-channel only)"
    )
    duplex: Literal["full", "half", "auto"] = "full"
    speed_mbps: int | None = Field(
        default=None, description="ethernet speed; default from bandwidth"
    )
    negotiation: bool = True
    media_type: str | None = Field(
        default=None, description="IOS 'media type is X' / VRP 'Port Mode: X'"
    )
    input_pps: int | None = Field(
        default=None, description="5-minute input packets/s; default derived"
    )
    output_pps: int | None = Field(
        default=None, description="5-minute output packets/s; default derived"
    )
    last_input: str | None = Field(
        default=None, description="IOS 'Last input' text; default derived"
    )
    last_output: str | None = Field(default=None, description="IOS 'output' text; default derived")

    @model_validator(mode="after")
    def _known_growth(self) -> InterfaceState:
        unknown = sorted(set(self.growth_per_min) - set(Counters.model_fields))
        if unknown:
            raise ValueError(f"growth_per_min names unknown counters {unknown}")
        return self


E1_COUNTERS = (
    "line_code_violations",
    "path_code_violations",
    "slip_secs",
    "frame_loss_secs",
    "line_err_secs",
    "degraded_mins",
    "errored_secs",
    "bursty_err_secs",
    "severely_err_secs",
    "unavail_secs",
)


class E1Controller(_M):
    name: str = Field(description="e.g. E1 0/0/0")
    status: Literal["up", "down", "administratively down"] = "up"
    alarms: list[Literal["LOS", "LOF", "AIS", "RAI", "LOMF"]] = Field(default_factory=list)
    framing: Literal["crc4", "no-crc4", "unframed"] = "crc4"
    linecode: Literal["hdb3", "ami"] = "hdb3"
    clock_source: Literal["line", "internal"] = "line"
    line_code_violations: int = 0
    path_code_violations: int = 0
    slip_secs: int = 0
    frame_loss_secs: int = 0
    line_err_secs: int = 0
    degraded_mins: int = 0
    errored_secs: int = 0
    bursty_err_secs: int = 0
    severely_err_secs: int = 0
    unavail_secs: int = 0
    growth_per_min: dict[str, float] = Field(default_factory=dict)
    # The counters above are the *current 15-minute interval* at lab start.  The interval rolls
    # over every 900 s of lab time like on the router; finished intervals move into the totals.
    interval_elapsed_s: int = Field(
        default=300,
        ge=0,
        lt=900,
        description="seconds already elapsed in the current interval at start",
    )
    valid_intervals: int = Field(
        default=96, ge=0, le=96, description="finished intervals before start"
    )
    totals: dict[str, int] = Field(
        default_factory=dict, description="counter name -> total over the finished intervals"
    )

    @model_validator(mode="after")
    def _known_counters(self) -> E1Controller:
        unknown = sorted((set(self.growth_per_min) | set(self.totals)) - set(E1_COUNTERS))
        if unknown:
            raise ValueError(f"unknown E1 counters {unknown}; known: {', '.join(E1_COUNTERS)}")
        return self


class CpuState(_M):
    five_sec: int = Field(default=5, ge=0, le=100)
    five_sec_interrupt: int = Field(default=1, ge=0, le=100)
    one_min: int = Field(default=5, ge=0, le=100)
    five_min: int = Field(default=5, ge=0, le=100)
    history_72h_max: list[int] = Field(
        default_factory=list, description="hourly maxima, most recent first (up to 72)"
    )
    history_72h_avg: list[int] = Field(
        default_factory=list, description="hourly averages, most recent first; default derived"
    )
    busy_process: str = Field(
        default="IP Input", description="process carrying the non-interrupt load"
    )


class PingResult(_M):
    """How a router-originated ping towards `target` behaves."""

    target: str
    success_pct: float = Field(default=100.0, ge=0, le=100)
    rtt_ms: tuple[int, int, int] = (1, 2, 4)


class LogLine(_M):
    at: str = Field(description="timestamp as the router prints it, e.g. 'Nov 22 08:14:03.117'")
    text: str = Field(description="facility-severity-mnemonic and message")


class RouterState(_M):
    hostname: str
    vendor: Literal["cisco_ios", "huawei"]
    model: str = "2901"
    software: str | None = None
    uptime: str = "12 weeks, 3 days, 4 hours, 5 minutes"
    interfaces: list[InterfaceState] = Field(default_factory=list)
    controllers: list[E1Controller] = Field(default_factory=list)
    cpu: CpuState = Field(default_factory=CpuState)
    logs: list[LogLine] = Field(default_factory=list)
    ping: list[PingResult] = Field(default_factory=list)
    ssh: Literal["open", "closed", "bad-credentials"] = Field(
        default="open",
        description="open: the SSH server answers; closed: nothing listens on the mgmt port "
        "(connection refused); bad-credentials: the server refuses every login",
    )
    console_drop_pct: float = Field(
        default=0.0,
        ge=0,
        le=100,
        description="share of console lines lost (intermittent console): command output lines, "
        "and the lone prompt that answers a bare RETURN",
    )
    console_garble_pct: float = Field(
        default=0.0,
        ge=0,
        le=100,
        description="share of console lines with characters corrupted (line noise, wrong speed)",
    )
    console_hangup_after: int | None = Field(
        default=None,
        ge=1,
        description="the console line resets (logs the session out) after this many input lines "
        "of one session, like a console that keeps dropping",
    )
