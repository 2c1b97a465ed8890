"""What a value may look like before diag sends it to a device: every field's syntax, in one place.

Inventory values and command-line flags end up inside CLI lines typed on customer routers
(`show interfaces <wan_interface>`, `ping <far-end address>`), in console logins and in SNMP
targets.  A line break in any of them types a second command on the router (`reload`), so each
field is checked against the narrow syntax the vendors use for it when the inventory is loaded
and when a flag is parsed, and every command line is checked once more right before it is sent
(`check_command`, called by the CLI session): a value that slipped past the first checks is
refused there, never sent.

The checks raise `ValueError` with a message that says what is wrong and what the field takes,
without echoing the value (it may be a secret typed in the wrong field); pydantic validators and
click callbacks turn that into a problem naming the file, entry and field, or the flag.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from diag.i18n import mark, tr, tr_marked

# Interface names: IOS `Serial0/0/0:0`, `GigabitEthernet0/1`, `Serial 0/1/0`; VRP
# `Serial1/0/0:0`, `GigabitEthernet0/0/1`, `Eth-Trunk1.100`.  A letter first; then letters,
# digits and / : . - ; a single space may separate the type from the number.  64 characters is
# longer than any interface name IOS or VRP prints.
INTERFACE_MAX = 64
INTERFACE = re.compile(r"[A-Za-z][A-Za-z0-9/:.\-]*(?: [A-Za-z0-9/:.\-]+)?")

# A host name (RFC 1123 labels, 253 characters at most).
HOSTNAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?"
)
# An IPv6 zone (`fe80::1%eth0`): an interface name on this host, never anything else.
ZONE = re.compile(r"[A-Za-z0-9_.\-]{1,32}")

# A login name as routers accept it: printable ASCII without spaces (`noc`, `DOMAIN\noc`,
# `noc@example`).  It is typed at a console's `Username:` prompt.
USERNAME = re.compile(r"[!-~]{1,64}")

# A command line diag types on a router: words of letters, digits and / : . _ - separated by
# single spaces.  Every command of every vendor's command set fits (show/display commands,
# `clear counters <if>`, `ping <address> repeat 5 size 128 ...`, VRP `ping -c 5 -s 100 ...`).
# Refused: control characters (a line break is a second command), `|` (IOS `| redirect` and
# `| append` write files on the router), `?` (IOS context help fires before Enter), `;`, quotes.
COMMAND_MAX = 256
COMMAND = re.compile(r"[A-Za-z0-9][A-Za-z0-9/:._\-]*(?: [A-Za-z0-9/:._\-]+)*")

# Free text (sites, customers, labels, port names): any length up to this, no control characters.
TEXT_MAX = 1024

_NAMES = {
    "\t": mark("a tab"),
    "\n": mark("a line feed"),
    "\r": mark("a carriage return"),
    "\x00": mark("a NUL"),
    "\x1b": mark("an escape"),
    "\x7f": mark("a DEL"),
    "\x85": mark("a next-line"),
    "\u2028": mark("a line separator"),
    "\u2029": mark("a paragraph separator"),
}
_CONTROL = mark("a control character")


def control_char(text: str) -> str | None:
    """Where `text` holds a control or line-separator character, described; else None.

    Covers C0 and C1 controls, DEL, the Unicode line and paragraph separators and the other
    invisible format characters (bidirectional overrides, zero-width joiners).
    """
    found = _control(text)
    if found is None:
        return None
    name, code, index = found
    # English always: it is also part of data (a refused command line, a credential's error)
    return f"{name} (U+{code}) at character {index}"


def control_shown(text: str) -> str | None:
    """control_char's description in the reader's language (a message for the user)."""
    found = _control(text)
    if found is None:
        return None
    name, code, index = found
    return tr(
        "{name} (U+{code}) at character {index}", name=tr_marked(name), code=code, index=index
    )


def _control(text: str) -> tuple[str, str, int] | None:
    """(the character's name as a message id, its code point in hex, its 1-based position)."""
    if text.isprintable():  # C speed; every character it lets through is allowed
        return None
    for i, ch in enumerate(text):
        if ch in _NAMES or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return _NAMES.get(ch, _CONTROL), f"{ord(ch):04X}", i + 1
    return None


def no_control(value: str) -> str:
    """Free text: refused when it holds a control character or is longer than TEXT_MAX."""
    where = control_shown(value)
    if where:
        raise ValueError(
            tr(
                "contains {where}; line breaks, tabs and other control characters are refused "
                "(a line break sent to a device is a second command)",
                where=where,
            )
        )
    if len(value) > TEXT_MAX:
        raise ValueError(
            tr("is {length} characters long; at most {limit}", length=len(value), limit=TEXT_MAX)
        )
    return value


def interface_name(value: str) -> str:
    """A router interface name as IOS and VRP write it (e.g. Serial0/0/0:0)."""
    no_control(value)
    if len(value) > INTERFACE_MAX or not INTERFACE.fullmatch(value):
        raise ValueError(
            tr(
                "is not an interface name: write it as the router does, a letter then letters, "
                "digits and / : . - (e.g. Serial0/0/0:0, GigabitEthernet0/0/1), at most "
                "{limit} characters",
                limit=INTERFACE_MAX,
            )
        )
    return value


def host(value: str) -> str:
    """An IP address (an IPv6 zone only as an interface name) or an RFC 1123 host name."""
    no_control(value)
    addr, zone_sep, zone = value.partition("%")
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        pass
    else:
        if zone_sep and (":" not in addr or not ZONE.fullmatch(zone)):
            raise ValueError(
                tr(
                    "{address} has a zone (%...) that is not an interface name of this host",
                    address=repr(addr),
                )
            )
        return value
    if zone_sep:
        raise ValueError(tr("only an IPv6 address takes a %zone"))
    if re.fullmatch(r"[\d.]+", value):
        raise ValueError(tr("{value} is not a valid IPv4 address", value=repr(value)))
    if HOSTNAME.fullmatch(value):
        return value
    raise ValueError(tr("{value} is neither an IP address nor a host name", value=repr(value)))


def ping_target(value: str) -> str:
    """What diag pings: an IP address or a host name; never an option (`-f`) or a zone."""
    no_control(value)
    if value.startswith("-"):
        raise ValueError(tr("is not an address: it starts with '-' (an option, not a target)"))
    if "%" in value:
        raise ValueError(tr("a ping target takes no %zone; give the address alone"))
    return host(value)


def ip_interface(value: str) -> str:
    """An address with optional /prefix (a WAN address); no zone: routers ping it as typed."""
    no_control(value)
    if "%" in value:
        raise ValueError(tr("a WAN address takes no %zone"))
    try:
        ipaddress.ip_interface(value)
    except ValueError as exc:
        raise ValueError(
            tr("{value} is not an IP address (with optional /prefix)", value=repr(value))
        ) from exc
    return value


def port_number(value: int, *, listen: bool = False) -> int:
    """A TCP/UDP port, 1-65535; where diag listens, 0 too (any free port, for tests)."""
    low = 0 if listen else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 65535:
        raise ValueError(tr("a port is a whole number from {low} to 65535", low=low))
    return value


def host_port(value: str, *, listen: bool = False) -> tuple[str, int]:
    """`host:port` (IPv6 as `[addr]:port`); `listen`: an address diag binds (port 0 allowed)."""
    no_control(value)
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\s\[\]]+):(\d{1,5})", value)
    if m is None:
        raise ValueError(tr("write it as host:port, e.g. 0.0.0.0:16162"))
    name, port = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    host(name)
    return name, port_number(int(port), listen=listen)


def console(value: str) -> str:
    """A serial console: an absolute device path, or socket://host:port of a console server.

    Whether the path is a character device is checked against this machine by
    `diag inventory validate` (diag.inventory.check_environment), not here: the file says what
    it says wherever it is read.
    """
    no_control(value)
    if value.startswith("socket://"):
        rest = value.removeprefix("socket://")
        # pyserial reads ?options after the port (logging, timeouts): none are allowed here.
        try:
            host_port(rest)
        except ValueError as exc:
            raise ValueError(
                tr("a console server is written socket://host:port (port 1-65535, no options)")
            ) from exc
        return value
    if not value.startswith("/"):
        raise ValueError(tr("a serial console is an absolute device path or socket://host:port"))
    if "/../" in value + "/" or any(c.isspace() for c in value):
        raise ValueError(tr("a serial console path has no '..' and no spaces"))
    return value


def username(value: str) -> str:
    no_control(value)
    if not USERNAME.fullmatch(value):
        raise ValueError(tr("a login name is 1-64 printable characters without spaces"))
    return value


def check_command(command: str) -> str:
    """Last check before a command line is typed on a device: raise, never send.

    Raises CollectorError (the reading of that device fails with this message; nothing is sent).
    Its text is data (recorded in the findings document), hence English, never tr().
    """
    from diag.errors import CollectorError

    where = control_char(command)
    problem = None
    if where:
        problem = f"it holds {where}, which would type a second command"
    elif len(command) > COMMAND_MAX:
        problem = f"it is {len(command)} characters long (at most {COMMAND_MAX})"
    elif not COMMAND.fullmatch(command):
        bad = sorted({c for c in command if not (c.isascii() and (c.isalnum() or c in "/:._- "))})
        problem = (
            f"it holds {', '.join(repr(c) for c in bad)}, outside the command syntax"
            if bad
            else "its words are not separated by single spaces"
        )
    if problem:
        raise CollectorError(
            f"refusing to send the command line {command!r}: {problem}.  Every value diag "
            "types on a router must match the vendor's syntax for it (diag/model/syntax.py); "
            "check the inventory field or the flag it came from (`diag inventory validate`)"
        )
    return command
