"""Start-up benchmarks, for ``python -m bench.run`` (``run()``) or on their own:
``python -m bench.startup_bench --out bench/results.json`` merges them in as ``"startup"``.

A newcomer's first impression is how long ``shikaku --help`` takes; an employer verifying
a register pays the start-up once per credential file. Every figure is the median, in
milliseconds, of several fresh processes (nothing warm but the operating system's file cache):

- ``help_wall_ms``: wall time of ``shikaku --help``;
- ``vc_verify_help_wall_ms``: wall time of ``shikaku vc verify --help`` (typer builds the
  ``vc`` commands, so this is the start-up of every ``vc verify`` before it reads its input);
- ``import_cli_app_ms``: ``python -X importtime -c "import cli.app"``, the imports' total;
- ``import_vc_verify_help_ms``: the same total for ``shikaku vc verify --help``;
- ``python_bare_ms``: wall time of ``python -c pass``, the floor none of the above can beat;
- ``vc_verify_wall_ms``: wall time of ``shikaku vc verify`` of an ``ecdsa-rdfc-2019``
  credential, start-up and verification together (the verification's own imports included).

Issue 10's target: under 300 ms for ``--help`` and a verify invocation's start-up.
Benchmarks measure; they never assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import merge_section

__all__ = ["import_total_ms", "run"]

_BIN = Path(sys.executable).parent
_SHIKAKU = str(_BIN / "shikaku")
# The entry point as a -c script, so `-X importtime` can watch a whole invocation.
_MAIN = "import sys; from cli.app import main; sys.argv[0] = 'shikaku'; main()"


def _wall_ms(argv: Sequence[str], *, runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def import_total_ms(stderr: str) -> float:
    """The total of a ``-X importtime`` report: the cumulative times of top-level imports.

    Each line is ``import time: self | cumulative | name``, nested imports indented under
    the one that caused them; the top-level lines' cumulative times add up to the whole.
    """
    total = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|", 2)
        if cumulative.strip().isdigit() and not name.startswith("  "):
            total += int(cumulative)
    return total / 1000


def _import_ms(args: Sequence[str], *, runs: int, env: dict[str, str]) -> float:
    totals = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        totals.append(import_total_ms(done.stderr))
    return statistics.median(totals)


def _signed_credential(folder: Path, env: dict[str, str]) -> Path:
    key, credential = folder / "board.jwk", folder / "credential.json"
    signed = folder / "signed.json"
    subprocess.run(
        [_SHIKAKU, "keys", "generate", "--type", "p256", "--out", str(key)],
        stdout=subprocess.DEVNULL,
        check=True,
        env=env,
    )
    with credential.open("w") as out:
        subprocess.run([_SHIKAKU, "schemas", "sample", "kangoshi"], stdout=out, check=True, env=env)
    with signed.open("w") as out:
        subprocess.run(
            [
                _SHIKAKU,
                "vc",
                "sign",
                "--suite",
                "ecdsa-rdfc-2019",
                "--key",
                str(key),
                str(credential),
            ],
            stdout=out,
            check=True,
            env=env,
        )
    return signed


def run(runs: int = 7) -> dict[str, float]:
    """The figures, each the median of ``runs`` fresh processes."""
    # Byte-code caches are written on the first run; a fixed terminal width keeps help alike.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "100"
    subprocess.run([_SHIKAKU, "--help"], capture_output=True, check=False, env=env)
    figures = {
        "python_bare_ms": _wall_ms([sys.executable, "-c", "pass"], runs=runs, env=env),
        "help_wall_ms": _wall_ms([_SHIKAKU, "--help"], runs=runs, env=env),
        "vc_verify_help_wall_ms": _wall_ms(
            [_SHIKAKU, "vc", "verify", "--help"], runs=runs, env=env
        ),
        "import_cli_app_ms": _import_ms(["-c", "import cli.app"], runs=runs, env=env),
        "import_vc_verify_help_ms": _import_ms(
            ["-c", _MAIN, "vc", "verify", "--help"], runs=runs, env=env
        ),
    }
    with tempfile.TemporaryDirectory(prefix="shikaku-bench-") as folder:
        signed = _signed_credential(Path(folder), env)
        figures["vc_verify_wall_ms"] = _wall_ms(
            [_SHIKAKU, "vc", "verify", str(signed)], runs=runs, env=env
        )
    return {name: round(value, 1) for name, value in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--runs", type=int, default=7, help="processes per figure")
    args = parser.parse_args()
    figures = run(args.runs)
    merge_section(args.out, "startup", figures)
    for name, value in figures.items():
        print(f"{name:26s} {value:>8.1f} ms")


if __name__ == "__main__":
    main()
