"""The employer's verifier over HTTP, under load: ``python -m bench.verifier_http_bench``.

Issue 12's figure: presented ``dc+sd-jwt`` credentials (wallet key, KB-JWT) verified by
``shikaku serve verifier`` — uvicorn, ``--workers`` processes, the employer policy: issuer
proof, binding and trust, status (the list fetched once over HTTP, then cached), schema, the
holder's proof, and the nonce consumed from the service's SQLite nonce database — driven by
``wrk`` from this machine, every request a different presentation over its own nonce (none is
a replay; the pool is larger than the run can use). Reported: requests per second, latency
percentiles (wrk's), how many answers were not 200, and, measured in the same run,
``raw_p256_verify`` and the in-process pipeline rate (:mod:`bench.pipeline_bench`) beside it.

The board's status lists are served from this process on another loopback port. Benchmarks
measure; they never assert. Needs ``wrk`` (Debian's package).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


def run(
    *,
    seconds: float = 10.0,
    workers: int = 2,
    pool: int = 15_000,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Serve, load, measure (see the module)."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian's package wrk)"}
    figures: dict[str, Any] = dict(pipeline_run(seconds=2.0, pool=2000))
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
            # Nonces issued into the service's own nonce database, as POST /challenges does.
            engine = create_engine(database_url or sqlite_url(data, "verifier"))
            nonces = SqlNonceStore(engine)
            sd_jwt, _ = world.sd_jwt()
            bodies = folder / "bodies.jsonl"
            with bodies.open("w") as out:
                for _ in range(pool):
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
            probe = json.loads(bodies.read_text().splitlines()[-1])
            first = httpx.post(url + "/presentations/verify", json=probe, timeout=30)
            if first.status_code != 200:  # Measuring refusals would measure the wrong thing.
                raise RuntimeError(f"the probe was not verified: {first.text[:500]}")
            script = folder / "bench.lua"
            script.write_text(_LUA)
            threads = 2
            output = subprocess.run(
                [
                    "wrk",
                    f"-t{threads}",
                    "-c32",
                    f"-d{int(seconds)}s",
                    "--latency",
                    "-s",
                    str(script),
                    url,
                    "--",
                    str(bodies),
                    str(threads),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        finally:
            server.terminate()
            server.wait(timeout=30)
            status.shutdown()
            world.registry.close()
    requests = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))  # type: ignore[union-attr]
    figures.update(
        {
            "http_dc_sd_jwt_per_second": round(requests, 1),
            "http_workers": workers,
            "http_not_200": int(re.search(r"NOT_200 (\d+)", output).group(1)),  # type: ignore[union-attr]
            **{
                f"http_latency_p{p.replace('.', '_')}_ms": float(v)
                for p, v in re.findall(r"P([0-9.]+) ([0-9.]+)", output)
            },
            "http_vs_in_process": round(requests / figures["dc_sd_jwt"], 3),
            "http_vs_raw_p256_verify": round(requests / figures["raw_p256_verify"], 4),
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database-url", help="the verifier's database (default: SQLite in a temporary folder)"
    )
    args = parser.parse_args()
    figures = run(seconds=args.seconds, workers=args.workers, database_url=args.database_url)
    section = "verifier_http" if args.database_url is None else "verifier_http_postgresql"
    merge_section(args.out, section, figures)
    for name, value in figures.items():
        print(f"{name:40s} {value:>10}")


if __name__ == "__main__":
    main()
