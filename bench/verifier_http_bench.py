"""The employer's verifier over HTTP, under load: ``python -m bench.verifier_http_bench``.

Issue 12's figure: presented ``dc+sd-jwt`` credentials (wallet key, KB-JWT) verified by
``shikaku serve verifier`` — uvicorn, ``--workers`` processes, the employer policy: issuer
proof, binding and trust, status (the list fetched once over HTTP, then cached), schema, the
holder's proof, and the nonce consumed from the service's SQLite nonce database — driven by
``wrk`` from this machine, every request a different presentation over its own nonce (none is a
replay; the pool is larger than the run can use). wrk runs once per ``--connections`` count
(default 12, then 32 and 8, each over presentations of its own): with a closed loop of n
connections the mean latency is n divided by the rate, so 32 connections at 1,000/s cannot
average under 32 ms; the target (1,000/s with p99 under 25 ms) is read at 12, where a rate of
1,000/s leaves a mean of 12 ms, and 32 and 8 show the load above and below it. Reported per run:
requests per second, latency percentiles (wrk's), answers that were not 200 and wrk's socket
errors and timeouts, the CPU time the service's processes spent (from /proc) and wrk's own, per
answered request — what the service costs, less dependent than the rate on what else the machine
is doing — and, measured in the same run, ``raw_p256_verify`` and the in-process pipeline rate
(:mod:`bench.pipeline_bench`) beside them. The first count gives the ``http_*`` figures, the
others ``http_c<n>_*``. ``--profile DIR`` also records each worker process with py-spy while wrk
runs (collapsed stacks of the thread holding the GIL, ``DIR/c<n>/worker-<pid>.txt``; py-spy from
PyPI), to see where the time goes.

The board's status lists are served from this process on another loopback port. Benchmarks
measure; they never assert. Needs ``wrk`` (Debian's package).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench.common import merge_section
from bench.pipeline_bench import run as pipeline_run
from service_kit.db import create_engine, sqlite_url
from service_kit.nonces import SqlNonceStore
from tests.verifier.world import AUDIENCE, World, make_world
from vc_core.clock import FixedClock

__all__ = ["run"]

_LUA = r"""
-- Each wrk thread sends its own share of the presentations, each once, in order.
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  bodies, errors, sent = {}, 0, 0
  local n, mine = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if mine % n == id then table.insert(bodies, line) end
    mine = mine + 1
  end
end
function request()
  sent = sent + 1
  local body = bodies[(sent - 1) % #bodies + 1]
  return wrk.format("POST", "/presentations/verify", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("errors") end
  io.write(string.format("NOT_200 %d\n", failed))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("P%s %.3f\n", p, latency:percentile(p) / 1000))
  end
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _status_server(world: World, port: int) -> ThreadingHTTPServer:
    """The board's published lists, served as the issuer service would (with their headers)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = f"http://127.0.0.1:{port}{self.path}"
            publication = world.publisher.for_accept(url, self.headers.get("Accept"))
            self.send_response(200)
            for name, value in publication.headers(world.registry.now()).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(publication.body)))
            self.end_headers()
            self.wfile.write(publication.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the verifier exited while starting")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the verifier did not start")


def _processes(pid: int) -> list[int]:
    """The service's processes: uvicorn's workers (or the one process) and their parent."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    workers = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [pid, *workers]


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes ``pids`` have spent so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
    return total / ticks


def _record(pid: int, seconds: float, folder: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each worker process (or the one process) for the run's ``seconds``."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    workers = _processes(pid)[1:]
    folder.mkdir(parents=True, exist_ok=True)
    options = ["record", "--gil", "-r", "200", "-f", "raw", "-d", str(int(seconds))]
    return [
        subprocess.Popen(
            [spy, *options, "-p", str(worker), "-o", str(folder / f"worker-{worker}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for worker in workers or [pid]
    ]


def _wrk(url: str, bodies: Path, *, seconds: float, connections: int) -> str:
    """What wrk prints after loading ``url`` with ``bodies`` (the script above)."""
    script = bodies.with_name("bench.lua")
    script.write_text(_LUA)
    threads = 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    arguments = ["-s", str(script), url, "--", str(bodies), str(threads)]
    return subprocess.run([*command, *arguments], capture_output=True, text=True, check=True).stdout


def _bodies(world: World, database_url: str, count: int, path: Path) -> Path:
    """``count`` presentations, each over its own nonce issued into the service's database (as
    ``POST /challenges`` does), one request body a line."""
    engine = create_engine(database_url)
    nonces = SqlNonceStore(engine)
    sd_jwt, _ = world.sd_jwt()
    with path.open("w") as out:
        for _ in range(count):
            nonce = nonces.issue(
                audience=AUDIENCE,
                purpose="presentation",
                ttl=timedelta(minutes=30),
                now=datetime.now(UTC),
            ).value
            presented = world.present(sd_jwt, nonce=nonce)
            body = {"verifiablePresentation": presented, "options": {"challenge": nonce}}
            out.write(json.dumps(body) + "\n")
    engine.dispose()
    return path


def _load(
    url: str, pid: int, bodies: Path, *, seconds: float, connections: int, profile: Path | None
) -> dict[str, Any]:
    """One wrk run over ``bodies``: the rate, latencies, refusals and the service's CPU."""
    probe = json.loads(bodies.read_text().splitlines()[-1])
    first = httpx.post(url + "/presentations/verify", json=probe, timeout=30)
    if first.status_code != 200:  # Measuring refusals would measure the wrong thing.
        raise RuntimeError(f"the probe was not verified: {first.text[:500]}")
    recorders = _record(pid, seconds, profile / f"c{connections}") if profile else []
    serving = _processes(pid)
    cpu_before = _cpu_seconds(serving)
    load_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = _wrk(url, bodies, seconds=seconds, connections=connections)
    load_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = _cpu_seconds(serving) - cpu_before
    for recorder in recorders:
        recorder.wait(timeout=60)
    wrk_cpu = (load_after.ru_utime + load_after.ru_stime) - (
        load_before.ru_utime + load_before.ru_stime
    )
    answered = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "per_second": round(float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1)), 1),  # type: ignore[union-attr]
        "connections": connections,
        "not_200": int(re.search(r"NOT_200 (\d+)", output).group(1)),  # type: ignore[union-attr]
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        **{
            f"latency_p{p.replace('.', '_')}_ms": float(v)
            for p, v in re.findall(r"P([0-9.]+) ([0-9.]+)", output)
        },
        "server_cpu_ms_per_request": round(1000 * cpu / answered, 3),
        "wrk_cpu_ms_per_request": round(1000 * wrk_cpu / answered, 3),
    }


def run(
    *,
    seconds: float = 10.0,
    workers: int = 2,
    pool: int = 15_000,
    database_url: str | None = None,
    connections: tuple[int, ...] = (12, 32, 8),
    profile: Path | None = None,
) -> dict[str, Any]:
    """Serve, load, measure (see the module)."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian's package wrk)"}
    figures: dict[str, Any] = dict(pipeline_run(seconds=2.0, pool=2000))
    levels: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        status_port, port = _free_port(), _free_port()
        base = f"http://127.0.0.1:{status_port}/kangoshi"
        world = make_world(folder, base=base, clock=FixedClock(datetime.now(UTC)))
        status = _status_server(world, status_port)
        trust = folder / "trust.toml"
        world.trust.save(trust)
        data = folder / "verifier"
        environment = {
            **os.environ,
            "SHIKAKU_DATA_DIR": str(data),
            **({"SHIKAKU_DATABASE_URL": database_url} if database_url else {}),
            "SHIKAKU_AUDIENCE": AUDIENCE,
            "SHIKAKU_TRUST_REGISTRY": str(trust),
            "SHIKAKU_STATUS_ALLOW": json.dumps([base + "/"]),
        }
        shikaku = str(Path(sys.executable).with_name("shikaku"))
        command = [shikaku, "serve", "verifier", "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(url, server)
            for level in connections:  # Each level its own presentations: none is a replay.
                path = folder / f"bodies-{level}.jsonl"
                bodies = _bodies(world, database_url or sqlite_url(data, "verifier"), pool, path)
                levels.append(
                    _load(
                        url,
                        server.pid,
                        bodies,
                        seconds=seconds,
                        connections=level,
                        profile=profile,
                    )
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
            status.shutdown()
            world.registry.close()
    first = levels[0]
    figures.update(
        {
            "http_dc_sd_jwt_per_second": first["per_second"],
            "http_workers": workers,
            **{f"http_{k}": v for k, v in first.items() if k != "per_second"},
            "http_vs_in_process": round(first["per_second"] / figures["dc_sd_jwt"], 3),
            "http_vs_raw_p256_verify": round(first["per_second"] / figures["raw_p256_verify"], 4),
            **{
                f"http_c{level['connections']}_{k}": v
                for level in levels[1:]
                for k, v in level.items()
                if k != "connections"
            },
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--connections",
        default="12,32,8",
        help="wrk's open connections, one run per number (the first gives the http_* figures)",
    )
    parser.add_argument(
        "--database-url", help="the verifier's database (default: SQLite in a temporary folder)"
    )
    parser.add_argument("--profile", type=Path, help="record each worker with py-spy into DIR")
    args = parser.parse_args()
    figures = run(
        seconds=args.seconds,
        workers=args.workers,
        database_url=args.database_url,
        connections=tuple(int(n) for n in args.connections.split(",")),
        profile=args.profile,
    )
    section = "verifier_http" if args.database_url is None else "verifier_http_postgresql"
    merge_section(args.out, section, figures)
    for name, value in figures.items():
        print(f"{name:40s} {value:>10}")


if __name__ == "__main__":
    main()
