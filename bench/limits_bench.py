"""Cost bounded by the input limits, called by ``python -m bench.run`` (``make bench``).

Each figure runs in its own process, as ``shikaku vc sign`` or ``vc verify`` would: the
input is read from a file by the input boundary (:func:`vc_core.jsonio.read_json`), then
signed or verified. The process warms up on one ordinary credential first (a verifier is
long-running; contexts are loaded once), then reports:

- ``seconds``: the time of the one operation on the input (reading, parsing, JSON-LD,
  canonicalization, signatures), without interpreter start-up;
- ``peak_rss_mb``: the process's peak resident memory (``ru_maxrss``), start-up included,
  and ``baseline_rss_mb`` the same after the warm-up, before the input;
- ``allocated_peak_mb``: the operation's own peak of Python allocations (``tracemalloc``,
  in a second, untimed run);
- ``outcome``: ``signed``, the verdict's outcome, or the code of the refusal.

Inputs: the largest credentials the default limits admit, of the costliest kinds measured
(a type repeated to just under :data:`~vc_core.jsonld.processor.MAX_JSONLD_VALUES`, which
makes pyld process a type-scoped context per value; one array of that many strings, which
pyld compares pairwise; and four strings filling :data:`~vc_core.jsonio.DEFAULT_LIMITS`
``max_bytes``), and what the limits refuse (the issue's 3 MB credential with 5,000
subjects, a 900 KB one with too many JSON-LD values, JSON nested 100,000 deep).

Benchmarks measure; they never assert. The limits promise under 2 s and 300 MB.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["run", "three_mb_credential"]

SD_MANDATORY = ["/issuer"]


def _sample(issuer: str) -> dict[str, Any]:
    from cli.samples import jp_sample_credential  # noqa: PLC0415 - the parent only

    return jp_sample_credential(issuer=issuer)


def _fill_values(issuer: str, kind: str) -> dict[str, Any]:
    """A credential of just under MAX_JSONLD_VALUES JSON values, all spent on ``kind``."""
    from vc_core.jsonld.processor import MAX_JSONLD_VALUES, count_values  # noqa: PLC0415

    credential = _sample(issuer)
    room = MAX_JSONLD_VALUES - count_values(credential, stop_after=10**6) - 20  # The proof.
    subject = credential["credentialSubject"]
    if kind == "types":
        subject["achievement"]["type"] = ["Achievement"] * room
    else:
        subject["completedTraining"] = [f"t{i}" for i in range(room)]
    return credential


def _fill_bytes(issuer: str) -> dict[str, Any]:
    """A credential of just under 1 MiB: four strings of 255 KB (under max_string_bytes)."""
    credential = _sample(issuer)
    for i, name in enumerate(("familyName", "givenName", "familyNameKana", "givenNameKana")):
        credential["credentialSubject"][name] = chr(ord("あ") + i) * (85_000 - 200)
    return credential


def three_mb_credential(issuer: str | None) -> dict[str, Any]:
    """The issue's 3 MB credential: 5,000 subjects (without ``issuer`` when it is None).

    The hostile-input corpus refuses it too (tests/hostile/generate.py).
    """
    credential = _sample(issuer or "did:example:board")
    if issuer is None:
        del credential["issuer"]
    subject = credential["credentialSubject"]
    credential["credentialSubject"] = [
        {
            "id": f"did:example:holder{i}",
            "type": subject["type"],
            "achievement": {"id": subject["achievement"]["id"], "type": ["Achievement"]},
            "licenseNumber": str(1_000_000 + i),
            "familyName": "山田" * 60,
            "givenName": subject["givenName"],
        }
        for i in range(5000)
    ]
    return credential


def _many_subjects(issuer: str) -> dict[str, Any]:
    credential = _sample(issuer)
    subject = credential["credentialSubject"]
    credential["credentialSubject"] = [
        {**copy.deepcopy(subject), "licenseNumber": str(i)} for i in range(400)
    ]
    return credential


def _inputs(folder: Path) -> dict[str, tuple[str, Path]]:
    """Every figure's action and input file."""
    from cli.loader import cli_loader  # noqa: PLC0415
    from vc_core import di  # noqa: PLC0415
    from vc_core.keys import generate_key  # noqa: PLC0415

    key = generate_key("p256")
    key.save(folder / "key.jwk")
    issuer = di.default_verification_method(key).split("#")[0]
    loader = cli_loader()
    files: dict[str, tuple[str, Path]] = {}

    def put(name: str, action: str, document: Any) -> None:
        path = folder / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        files[name] = (action, path)

    for kind, document in (
        ("types", _fill_values(issuer, "types")),
        ("strings", _fill_values(issuer, "strings")),
        ("bytes", _fill_bytes(issuer)),
    ):
        put(f"sign_rdfc_{kind}", "sign:ecdsa-rdfc-2019", document)
        put(f"sign_sd_{kind}", "sign:ecdsa-sd-2023", document)
        signed = di.sign(document, suite="ecdsa-rdfc-2019", signer=key, loader=loader)
        put(f"verify_rdfc_{kind}", "verify", signed)
        base = di.sign(
            document,
            suite="ecdsa-sd-2023",
            signer=key,
            loader=loader,
            mandatory_pointers=SD_MANDATORY,
        )
        derived = di.derive(base, selective_pointers=["/credentialSubject"], loader=loader)
        put(f"verify_sd_{kind}", "verify", derived)
    put("refuse_3mb_sign", "sign:ecdsa-rdfc-2019", three_mb_credential(issuer))
    put("refuse_3mb_verify", "verify", three_mb_credential(issuer))
    put("refuse_jsonld_values_sign", "sign:ecdsa-rdfc-2019", _many_subjects(issuer))
    deep = folder / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    files["refuse_deep_verify"] = ("verify", deep)
    return files


def _child(action: str, path: Path, key_path: Path) -> dict[str, Any]:
    """Run in the measuring process: warm up, then one operation on ``path``."""
    from cli.loader import cli_loader  # noqa: PLC0415
    from vc_core import di  # noqa: PLC0415
    from vc_core.errors import ShikakuError  # noqa: PLC0415
    from vc_core.jsonio import read_json  # noqa: PLC0415
    from vc_core.keys import load_key  # noqa: PLC0415
    from vc_core.verdict import verify_credential  # noqa: PLC0415

    loader = cli_loader()
    key = load_key(key_path)
    issuer = di.default_verification_method(key).split("#")[0]

    def signing(suite: str) -> Callable[[Any], str]:
        def sign(document: Any) -> str:
            pointers = SD_MANDATORY if suite == "ecdsa-sd-2023" else []
            di.sign(document, suite=suite, signer=key, loader=loader, mandatory_pointers=pointers)
            return "signed"

        return sign

    operations: dict[str, Callable[[Any], str]] = {
        "verify": lambda document: verify_credential(document, loader=loader).outcome,
        "sign:ecdsa-rdfc-2019": signing("ecdsa-rdfc-2019"),
        "sign:ecdsa-sd-2023": signing("ecdsa-sd-2023"),
    }
    warm = operations["sign:ecdsa-sd-2023"]
    warm(_sample(issuer))
    base = di.sign(
        _sample(issuer),
        suite="ecdsa-sd-2023",
        signer=key,
        loader=loader,
        mandatory_pointers=SD_MANDATORY,
    )
    verify_credential(di.derive(base, selective_pointers=[], loader=loader), loader=loader)

    def once() -> str:
        try:
            return operations[action](read_json(path))
        except ShikakuError as exc:
            return exc.code

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    outcome = once()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Again under tracemalloc (slower, so untimed): the operation's own peak allocation.
    tracemalloc.start()
    once()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak / 1024, 1),
        "baseline_rss_mb": round(baseline / 1024, 1),
        "allocated_peak_mb": round(traced / 2**20, 1),
        "input_bytes": path.stat().st_size,
        "outcome": outcome,
    }


def run() -> dict[str, Any]:
    """Every figure, each measured once in a fresh process."""
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for name, (action, path) in _inputs(folder).items():
            done = subprocess.run(
                [sys.executable, "-m", "bench.limits_bench", "--child", action, str(path)],
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
            if done.returncode != 0:
                figures[name] = {"error": done.stderr.strip().splitlines()[-1:]}
                continue
            figures[name] = json.loads(done.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--child", nargs=2, metavar=("ACTION", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        action, path = args.child
        print(json.dumps(_child(action, Path(path), Path(path).parent / "key.jwk")))
        return
    figures = run()
    previous: dict[str, Any] = {}
    if args.out.exists():
        previous = json.loads(args.out.read_text(encoding="utf-8"))
    previous["limits"] = figures  # The same shape as bench/run.py gives the section.
    args.out.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, entry in figures.items():
        print(f"{name:28s} {json.dumps(entry)}")


if __name__ == "__main__":
    main()
