"""``shikaku demo``: the main story, told on embedded defaults.

Today it tells the Data Integrity part: a board makes keys, signs a 看護師
credential with each cryptosuite, the holder derives a disclosure that hides
what an employer has no right to see, the employer verifies it, and a forged
copy is rejected. Each step prints what happened and writes its files, so a
newcomer can run the same steps with ``shikaku vc …`` afterwards.
"""

from __future__ import annotations

import copy
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from vc_core import di
from vc_core.did import did_key_from_public_key
from vc_core.jsonld.loader import DocumentLoader
from vc_core.keys import SoftwareKey, generate_key
from vc_core.verdict import Verdict, verify_credential
from vc_schemas.policy import disclosure_policy

app = typer.Typer(help="Run the main story end to end on embedded defaults.")


def _write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _show_verdict(console: Console, verdict: Verdict) -> None:
    for check in verdict.checks:
        mark = {True: "[green]✔[/]", False: "[red]✘[/]", None: "[dim]–[/]"}[check.ok]
        extra = f"  [red]{check.code}[/]" if check.code else ""
        console.print(f"    {mark} {check.name}{extra}")
    colour = "green" if verdict.verified else "red"
    console.print(f"    → [bold {colour}]{verdict.outcome}[/]")


def _sign_each(
    console: Console, folder: Path, keys: dict[str, SoftwareKey], loader: DocumentLoader
) -> dict[str, dict[str, Any]]:
    issuer = did_key_from_public_key(keys["p256"].public_key)
    credential = jp_sample_credential(issuer=issuer)
    _write(folder, "credential.json", credential)
    signed: dict[str, dict[str, Any]] = {}
    for suite, key in (
        ("ecdsa-rdfc-2019", keys["p256"]),
        ("eddsa-rdfc-2022", keys["ed25519"]),
        ("ecdsa-sd-2023", keys["p256"]),
    ):
        if suite not in di.SUITES:
            console.print(f"  {suite}: [yellow]not available in this build[/]")
            continue
        mandatory = (
            disclosure_policy("kangoshi").mandatory_pointers(credential)
            if suite == "ecdsa-sd-2023"
            else []
        )
        # The issuer is the key that really signs.
        own_issuer = {**credential["issuer"], "id": did_key_from_public_key(key.public_key)}
        signed[suite] = di.sign(
            {**credential, "issuer": own_issuer},
            suite=suite,
            signer=key,
            loader=loader,
            mandatory_pointers=mandatory,
        )
        path = _write(folder, f"signed-{suite}.json", signed[suite])
        value = signed[suite]["proof"]["proofValue"]
        console.print(f"  {suite:16s} proofValue {value[:32]}…  → {path.name}")
    return signed


def _disclose(
    console: Console, folder: Path, base: dict[str, Any], loader: DocumentLoader, now: datetime
) -> None:
    policy = disclosure_policy("kangoshi")
    request = policy.selective_pointers(base, "employer")
    derived = di.derive(base, selective_pointers=request, loader=loader)
    _write(folder, "disclosed.json", derived)
    subject = derived["credentialSubject"]
    shown = sorted(k for k in subject if k not in ("id", "type", "achievement"))
    console.print(f"  the employer asked for: {', '.join(p.rsplit('/', 1)[1] for p in request)}")
    console.print(f"  disclosed to the employer: {', '.join(shown)}")
    withheld = sorted(k for k in base["credentialSubject"] if k not in subject)
    console.print(f"  withheld (never sent): {', '.join(withheld)}")
    console.print("  employer verifies the disclosure:")
    _show_verdict(console, verify_credential(derived, loader=loader, now=now))


@app.callback(invoke_without_command=True)
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the files (default: a temp dir)")
    ] = None,
) -> None:
    """Board signs, holder discloses, employer verifies, a forgery fails."""
    console = Console(emoji=False, highlight=False)
    folder = out or Path(tempfile.mkdtemp(prefix="shikaku-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    loader = cli_loader()
    now = datetime.now(UTC)

    console.print(Panel.fit("shikaku demo — 看護師免許 as a Verifiable Credential", style="bold"))
    console.print(f"Files go to [cyan]{folder}[/]\n")

    console.rule("1. The board makes its signing keys")
    keys = {"p256": generate_key("p256"), "ed25519": generate_key("ed25519")}
    for name, key in keys.items():
        key.save(folder / f"board-{name}.jwk")
        console.print(f"  {name:8s} {did_key_from_public_key(key.public_key)}")

    console.rule("2. The board signs a 看護師 credential with each cryptosuite")
    signed = _sign_each(console, folder, keys, loader)

    console.rule("3. The employer verifies each credential")
    for suite, document in signed.items():
        if suite == "ecdsa-sd-2023":
            continue  # A base proof is for the holder; employers see derived ones.
        console.print(f"  {suite}")
        _show_verdict(console, verify_credential(document, loader=loader, now=now))

    if "ecdsa-sd-2023" in signed:
        console.rule("4. The holder discloses what an employer may see, nothing more")
        _disclose(console, folder, signed["ecdsa-sd-2023"], loader, now)

    console.rule("5. A forger changes the licence number")
    forged = copy.deepcopy(signed["ecdsa-rdfc-2019"])
    forged["credentialSubject"]["licenseNumber"] = "7654321"
    _write(folder, "forged.json", forged)
    verdict = verify_credential(forged, loader=loader, now=now)
    _show_verdict(console, verdict)
    if verdict.verified:
        console.print("[bold red]The forgery was accepted: this is a bug.[/]")
        raise typer.Exit(1)
    console.print(
        "\n[bold green]Demo complete.[/] Try: "
        f"shikaku vc verify {folder / 'signed-ecdsa-rdfc-2019.json'}"
    )
