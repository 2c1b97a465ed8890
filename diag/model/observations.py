"""Observations: what collectors saw, typed and timestamped, with the raw evidence kept.

Collectors never interpret; analyzers never do I/O.  Each observation has a stable `id` within a
document so findings can cite it as evidence.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Obs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="stable within the document, e.g. alarm-3")
    collector: str = Field(description="collector name that produced it")
    at: datetime = Field(description="when it was observed (UTC)")


ReadQuality = Literal["ok", "degraded", "partial"]


class Quality(BaseModel):
    """How whole a CLI reading is (console or any session that can lose or garble lines).

    `ok`: read whole (the output passed its structure checks, or the session lost nothing);
    `degraded`: read over a session seen losing or garbling lines, and nothing in this output
    can show whether lines of it were lost (logs, ...): the values are as read, maybe incomplete;
    `partial`: the output's own structure shows lost or garbled lines; what could not be read
    whole is left unknown (None, or named in `unread`), never guessed.
    """

    model_config = ConfigDict(extra="forbid")

    quality: ReadQuality = Field(
        "ok", description="ok: read whole; degraded: lossy session, unverifiable; partial: lost"
    )
    quality_note: str | None = Field(
        None, description="what was lost or garbled and how it was detected (or re-read)"
    )
    unread: list[str] = Field(
        default_factory=list,
        description="fields that could not be read whole: None or [] there means unknown",
    )


class AlarmDirection(StrEnum):
    """The vendor's own direction wording, kept as reported.

    `up`/`down` are the UP_/DOWN_ of E1_AIS (upstream = the tributary signal arriving from the
    customer side, downstream = the signal the NE sends towards the customer side);
    `receive`/`transmit` for receive/transmit-side alarms (R_LOS, ...); `none` when the alarm
    carries no direction.  Huawei's T_ prefix (T_ALOS) means *tributary*, not transmit.
    """

    up = "up"
    down = "down"
    receive = "receive"
    transmit = "transmit"
    none = "none"


class Severity(StrEnum):
    critical = "critical"
    major = "major"
    minor = "minor"
    warning = "warning"
    indeterminate = "indeterminate"
    cleared = "cleared"


class AlarmObservation(Obs):
    """One active alarm read from an NMS, normalised, with the vendor's words kept."""

    kind: Literal["nms_alarm"] = "nms_alarm"
    nms: str
    ne: str = Field(description="the NE name as the NMS reports it")
    device: str | None = Field(None, description="inventory device name, when the NE is known")
    port: str | None = None
    type: str = Field(
        description="canonical type: AIS, LOS, LOF, RDI, RAI, POWER_FAIL, ... or UNKNOWN"
    )
    layer: str = Field(description="E1, VC12, VC4, MS, RS, OPTICAL, EQUIPMENT, ...")
    direction: AlarmDirection
    severity: Severity
    probable_cause: str | None = Field(None, description="ITU-ALARM-TC / X.733 probable cause name")
    raised: datetime | None = None
    cleared: datetime | None = Field(
        None,
        description="when the alarm cleared, for a cleared (historical) alarm the NMS still "
        "lists (severity cleared); None for an active alarm",
    )
    vendor_name: str = Field(description="the alarm name exactly as the NMS gave it")
    known: bool = Field(True, description="False when the vendor name is not in the table")
    raw: dict[str, str] = Field(default_factory=dict, description="varbinds as read: OID -> value")


class NmsPollObservation(Obs):
    """That an NMS was (or was not) read for a set of NEs, so 'no alarm' is evidence too."""

    kind: Literal["nms_poll"] = "nms_poll"
    nms: str
    ok: bool
    nes: list[str] = Field(description="NE names asked about")
    active_alarms: int = 0
    partial: bool = Field(
        False, description="the alarm list is incomplete (e.g. no QueryEnd before the timeout)"
    )
    error: str | None = None
    rejected_traps: int = Field(
        0,
        ge=0,
        description="notifications refused while polling (from an address that is not a trap "
        "source of the NMS, a wrong community, v3 without authPriv or failing authentication); "
        "never read as alarms",
    )
    completeness: str | None = Field(
        None,
        description="what shows the alarm list complete (e.g. reads of a trap-based query that "
        "agree), or why it cannot be shown; None when the reading itself is the proof (a walk)",
    )


class DeviceAccessObservation(Obs):
    """Whether a device could be reached by one way (SSH, console, SNMP), and how it failed."""

    kind: Literal["device_access"] = "device_access"
    device: str
    via: Literal["ssh", "console", "snmp"]
    ok: bool
    stage: Literal["connect", "auth", "timeout", "command", "parse", "done"] = "done"
    error: str | None = None
    duration_s: float = 0.0


class InterfaceObservation(Quality, Obs):
    """One interface's state and error counters as read once (CLI or SNMP)."""

    kind: Literal["interface"] = "interface"
    device: str
    interface: str
    source: str = Field(
        description="where the values come from, e.g. cli:show interfaces, snmp:IF-MIB"
    )
    admin_up: bool | None = None
    line_up: bool | None = None
    protocol_up: bool | None = None
    looped: bool | None = None
    input_packets: int | None = None
    output_packets: int | None = None
    input_errors: int | None = None
    crc: int | None = None
    crc_source: str | None = Field(
        None, description="the CRC-specific counter used (locIfInCRC, CLI 'CRC', ...)"
    )
    frame: int | None = None
    overrun: int | None = None
    ignored: int | None = None
    aborts: int | None = None
    carrier_transitions: int | None = None
    interface_resets: int | None = None
    output_errors: int | None = None
    last_clearing: str | None = None
    v35_leads: dict[str, bool] | None = Field(None, description="DCD DSR DTR RTS CTS -> up")
    cable: str | None = Field(None, description="e.g. V.35 DTE cable")
    clocking: str | None = Field(
        None, description="e.g. TX and RX clocks detected, clock rate 2048000"
    )
    device_uptime_s: float | None = Field(None, description="for counter-reset detection")
    raw: str = Field("", description="the command output or varbinds read")


class CrcGrowthObservation(Quality, Obs):
    """Two samples of an interface's CRC counter, a known interval apart."""

    kind: Literal["crc_growth"] = "crc_growth"
    device: str
    interface: str
    counter_source: str
    first: int
    second: int
    interval_s: float
    delta: int | None = Field(description="None when a reset makes the delta meaningless")
    per_min: float | None
    wrapped: bool = Field(False, description="Counter32 wrapped between the samples")
    reset: bool = Field(False, description="counters were cleared or the device restarted")
    note: str | None = None


class E1ControllerObservation(Quality, Obs):
    """An E1 line's state: alarms, framing and G.826-style counters (router CLI or DS1-MIB)."""

    kind: Literal["e1_controller"] = "e1_controller"
    device: str
    controller: str = Field(description="controller name or NE port")
    source: str
    status: str | None = None
    alarms: list[str] = Field(default_factory=list, description="LOS LOF AIS RAI LOMF ...")
    framing: str | None = None
    linecode: str | None = None
    clock_source: str | None = None
    line_status_bits: int | None = Field(
        None, description="DS1-MIB dsx1LineStatus, when read by SNMP"
    )
    line_code_violations: int | None = None
    path_code_violations: int | None = None
    errored_secs: int | None = None
    severely_err_secs: int | None = None
    unavail_secs: int | None = None
    slip_secs: int | None = None
    degraded_mins: int | None = None
    interval_s: int | None = Field(None, description="seconds the counters cover")
    raw: str = ""


class CpuObservation(Quality, Obs):
    kind: Literal["cpu"] = "cpu"
    device: str
    source: str
    five_sec: float | None = None
    one_min: float | None = None
    five_min: float | None = None
    peak_72h: float | None = Field(None, description="highest hourly maximum over the last 72 h")
    peak_72h_min: float | None = Field(
        None,
        description="the 72 h graph could not be read whole: its peak is at least this (from "
        "the bar rows that were read); peak_72h and history_72h are then left empty",
    )
    history_72h: list[int] = Field(
        default_factory=list, description="hourly maxima, most recent first"
    )
    raw: str = ""


class LogEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: str
    category: Literal["cpu", "line-flap", "protocol-flap", "controller", "other"]
    text: str


class LogObservation(Quality, Obs):
    kind: Literal["log"] = "log"
    device: str
    events: list[LogEvent] = Field(description="the lines that matter, categorised")
    lines_read: int = 0
    raw: str = ""


class PingObservation(Quality, Obs):
    """A ping test: from this host (laptop / NOC server) or from a router."""

    kind: Literal["ping"] = "ping"
    origin: str = Field(description="'host:<name>' or the router's device name")
    origin_kind: Literal["host", "router"]
    target: str
    engine: str = Field(description="how it was sent: fping, iputils, icmplib, router-cli, ...")
    count: int
    size: int
    interval_s: float | None = None
    timeout_s: float | None = None
    df: bool = False
    pattern: str | None = None
    sent: int
    received: int
    loss_pct: float
    duplicates: int = 0
    unreachables: int = 0
    rtt_min_ms: float | None = None
    rtt_median_ms: float | None = None
    rtt_mean_ms: float | None = None
    rtt_max_ms: float | None = None
    rtt_stddev_ms: float | None = None
    rtt_p95_ms: float | None = None
    jitter_mean_delta_ms: float | None = Field(None, description="mean |RTT(n) - RTT(n-1)|")
    jitter_rfc3550_ms: float | None = None
    rtts_ms: list[float | None] = Field(default_factory=list, description="per probe; None = lost")
    raw: str = ""


class ConsoleObservation(Obs):
    """How the router's serial console behaves: itself evidence (the LAN-attack case)."""

    kind: Literal["console"] = "console"
    device: str
    port: str
    login_ok: bool
    probes: int = 0
    answered: int = 0
    garbled: int = 0
    dropped_sessions: int = 0
    prompt_rtt_ms: list[float] = Field(default_factory=list)
    rtt_median_ms: float | None = None
    error: str | None = None


class NeE1LineObservation(Obs):
    """An E1 port read directly from an NE over SNMP (DS1-MIB)."""

    kind: Literal["ne_e1_line"] = "ne_e1_line"
    device: str
    if_index: int
    port: str | None = None
    line_status_bits: int
    line_status: list[str] = Field(description="names of the bits set (RcvAIS, LossOfSignal, ...)")
    es: int | None = None
    ses: int | None = None
    uas: int | None = None
    css: int | None = None
    pcv: int | None = None
    lcv: int | None = None
    raw: dict[str, str] = Field(default_factory=dict)


class AnswerObservation(Obs):
    """What a person reported (the customer on the phone, the engineer on site, an instrument
    reading typed in): a key from the question vocabulary (diag/playbooks/questions/) and its value."""

    kind: Literal["answer"] = "answer"
    key: str = Field(description="e.g. a.cpe.lamp.power, test.e1.ber, test.ddf.ais_from")
    value: str
    source: Literal["ask", "observe", "file"] = Field(
        description="--ask (interactive), --observe KEY=VALUE, --observations FILE"
    )


class LanTalker(BaseModel):
    """One source on the captured LAN: its MAC, the IP it used most, and its share."""

    model_config = ConfigDict(extra="forbid")

    mac: str
    ip: str | None = None
    packets: int
    bytes: int
    pps: float
    share_pct: float = Field(description="of the packets captured")
    arp: int = Field(0, description="ARP packets it sent")
    broadcast: int = Field(0, description="broadcast frames it sent")


class LanScan(BaseModel):
    """One source probing many hosts (host scan) or many ports of one host (port scan)."""

    model_config = ConfigDict(extra="forbid")

    pattern: Literal["host_scan", "port_scan"]
    source_mac: str
    source_ip: str | None = None
    target_ip: str | None = Field(None, description="the host whose ports were probed")
    distinct: int = Field(description="distinct hosts (host scan) or ports (port scan) probed")
    probes: int
    window_s: float = Field(description="first to last probe")


class LanCaptureObservation(Obs):
    """Traffic sniffed on the customer's LAN where the engineer's laptop plugs in (case 4.2,
    R-LED-5): rates, top talkers, scans, and the share aimed at the router's LAN address."""

    kind: Literal["lan_capture"] = "lan_capture"
    interface: str
    source: Literal["live", "pcap"] = "live"
    pcap: str | None = Field(None, description="the file read (--read) or written (--pcap)")
    end: Literal["a", "b"] | None = Field(None, description="which end's LAN, when told")
    router_lan: str | None = Field(None, description="the router's LAN address, when told")
    ok: bool = True
    error: str | None = None
    seconds: float = Field(0.0, description="the capture window the rates are per")
    packets: int = 0
    bytes: int = 0
    pps: float = 0.0
    broadcast: int = 0
    broadcast_pps: float = 0.0
    multicast: int = 0
    multicast_pps: float = 0.0
    arp_requests: int = 0
    arp_replies: int = 0
    arp_gratuitous: int = 0
    arp_pps: float = 0.0
    top_talkers: list[LanTalker] = Field(default_factory=list)
    scans: list[LanScan] = Field(default_factory=list)
    to_router_packets: int | None = None
    to_router_bytes: int | None = None
    to_router_pps: float | None = None
    to_router_share_pct: float | None = Field(None, description="of the packets")
    to_router_bytes_share_pct: float | None = Field(None, description="of the bytes")
    to_router_top_source: str | None = Field(None, description="MAC sending most to the router")
    kernel_drops: int | None = Field(None, description="frames the kernel dropped (not counted)")
    unmeasured: list[str] = Field(default_factory=list, description="what could not be measured")


Observation = Annotated[
    AlarmObservation
    | NmsPollObservation
    | DeviceAccessObservation
    | InterfaceObservation
    | CrcGrowthObservation
    | E1ControllerObservation
    | CpuObservation
    | LogObservation
    | PingObservation
    | ConsoleObservation
    | NeE1LineObservation
    | AnswerObservation
    | LanCaptureObservation,
    Field(discriminator="kind"),
]


class CollectorRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    target: str
    ok: bool
    error: str | None = None
    started: datetime
    duration_s: float


class ObservationsDocument(BaseModel):
    """What the single-collector commands (`diag alarms|router|ping|parse --json`) print."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal["1.0"] = "1.0"
    ok: bool = True
    error: str | None = None
    partial: bool = False
    observations: list[Observation]
