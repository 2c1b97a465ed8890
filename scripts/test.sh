#!/usr/bin/env bash
# Install everything the test suite needs (Debian and Python packages), then run it.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: net-snmp tools and agent (cross-checks, a stock agent to poll), ping tools
# (host ping engines), nftables + iproute2 (loss injected in network namespaces), setpriv,
# capsh (libcap2-bin: tests/lan_capture drops CAP_NET_RAW from root),
# ssh-keygen (the known_hosts tests read files it hashes and edits), headless Chromium and CJK
# fonts (tests/report open each HTML report in a real browser, Chinese customer names included),
# PostgreSQL and Redis (the history store and distributed sweeps: private servers on loopback).
DEBS=(snmp snmpd iputils-ping fping nftables iproute2 util-linux libcap2-bin openssh-client chromium fonts-noto-cjk postgresql redis-server)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "scripts/test.sh: missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# Python: the project and its test extras in .venv.
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

exec .venv/bin/python -m pytest "$@"
