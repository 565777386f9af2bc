#!/usr/bin/env bash
# Installs the system packages shikaku's tests use, when we may: as root on a
# Debian-like machine with apt-get. Idempotent and quiet when all is present.
# Anywhere else it prints what is missing; the tests that need it then skip.
set -euo pipefail

# The PC/SC test stack (JPKI.md): pcscd with the vpcd virtual reader, OpenSC's
# jpki driver and PKCS#11 module, and what pyscard needs to build. SoftHSM2: a PKCS#11
# token for the board's signing-key tests.
packages=(pcscd libpcsclite-dev swig gcc vsmartcard-vpcd opensc opensc-pkcs11 pcsc-tools softhsm2)
# The employer's page is tested in a real browser: Debian's chromium driven by chromedriver,
# with the Japanese fonts its screenshots need.
packages+=(chromium chromium-driver fonts-noto-cjk)
# make bench drives the verifier over HTTP with wrk.
packages+=(wrk)
# The wallet's passphrase prompts are tested in a real terminal, driven through tmux.
packages+=(tmux)
# The guides run as written (tests/test_readme.py): they wait for services with curl, back the
# board's SQLite files up with sqlite3, and scripts/postgres.sh asks PostgreSQL with psql.
packages+=(curl sqlite3 postgresql-client)
# The interop tests run wallets written elsewhere (oid4vc-ts, from npm) under Node.js. A
# Node.js already on the machine (a distribution's or NodeSource's, npm included) is used as
# it is; only a machine without npm gets Debian's.
if ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
fi

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "system-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "system-deps: not root on Debian; tests needing ${missing[*]} will skip"
fi
