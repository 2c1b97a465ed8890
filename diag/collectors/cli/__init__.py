"""Router CLI access (SSH / serial console): what to run on a router and how to read the output.

`diag.collectors.cli.parsers` holds the vendor command sets and output parsers, keyed by netmiko
`device_type`; the transports that run the commands live beside it: `connect` (opening a
session), `session` (running commands under deadlines), `ssh` and `hostkeys` (SSH and its host
keys), `console` (serial consoles), `deadline`, `transcript`.  What differs by vendor outside the
parsers is the vendor's profile (diag.collectors.vendors).
"""
