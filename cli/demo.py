"""``shikaku demo``: the main story, told on embedded defaults.

A board makes keys and signs a 看護師 credential with each Data Integrity
cryptosuite; the holder derives a disclosure that hides what an employer has
no right to see, and the employer verifies it; the board issues the same
qualification as an SD-JWT VC bound to the holder's My Number Card (the
in-process emulator), the holder presents it by signing on the card, the
hospital verifies the card signature and its JPKI chain, and a replay fails;
a forged copy is rejected. Each step prints what happened and writes its files, so a
newcomer can run the same steps with ``shikaku vc …`` afterwards.
"""

from __future__ import annotations

import copy
import json
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from holder.card import auth_certificate, card_signer, present_on_card
from issuer.jose_forms import HolderBinding, issue_jose_credential
from jpki_bridge.emulator import CardState
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import make_test_pki
from jpki_bridge.session import CardSession
from jpki_bridge.transport import InProcessTransport
from jpki_bridge.validation import TrustAnchors
from vc_core import di
from vc_core.di import default_verification_method
from vc_core.did import did_key_from_public_key
from vc_core.jsonld.loader import DocumentLoader
from vc_core.keys import SoftwareKey, generate_key
from vc_core.verdict import Verdict, verify_credential
from vc_schemas.policy import disclosure_policy
from verifier.jose import verify_jose

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


def _card_story(console: Console, folder: Path, board: SoftwareKey, now: datetime) -> bool:
    """The SD-JWT VC bound to the holder's My Number Card (the in-process emulator).

    Returns whether every step came out as it must (the presentation verifies,
    the replay is refused).
    """
    pki = make_test_pki()
    pki.save(folder / "test-pki")
    CardState.provision(folder / "card", pki)
    anchors = TrustAnchors((pki.auth_ca_cert,))
    nonce, audience = secrets.token_urlsafe(16), "https://hospital.example"
    with CardSession(InProcessTransport.open(folder / "card")) as session:
        credential = issue_jose_credential(
            jp_sample_credential(),
            form="dc+sd-jwt",
            signer=board,
            kid=default_verification_method(board),
            now=now,
            holder=HolderBinding.of_certificate(auth_certificate(session)),
        )
        (folder / "card-bound.sdjwt").write_text(credential + "\n", encoding="utf-8")
        console.print("  the board binds the credential to the card's 利用者証明用 certificate")
        tries = session.pin_status(PinKind.AUTH).tries_left
        console.print(
            f"  the hospital sends a nonce; the holder taps the card (PIN: {tries} tries left)"
        )
        # The test person's PIN comes from the test PKI; it is never printed.
        signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
        presented = present_on_card(
            credential,
            disclose=["/licenseNumber", "/familyName", "/givenName"],
            signer=signer,
            nonce=nonce,
            audience=audience,
            now=now,
        )
    (folder / "card-presentation.txt").write_text(presented + "\n", encoding="utf-8")
    result = verify_jose(presented, now=now, nonce=nonce, audience=audience, card_anchors=anchors)
    claims = result.claims or {}
    shown = ", ".join(f"{k}={claims[k]}" for k in ("licenseNumber", "familyName") if k in claims)
    console.print(f"  the hospital verifies (RS256 on the card, chain to the JPKI root): {shown}")
    _show_verdict(console, result.verdict)
    console.print("  someone replays the presentation to another verifier's nonce:")
    replay = verify_jose(
        presented,
        now=now,
        nonce=secrets.token_urlsafe(16),
        audience=audience,
        card_anchors=anchors,
    )
    _show_verdict(console, replay.verdict)
    return result.verdict.verified and not replay.verdict.verified


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

    console.rule("5. At the hospital: an SD-JWT VC presented with the My Number Card")
    card_ok = _card_story(console, folder, keys["p256"], now)

    console.rule("6. A forger changes the licence number")
    forged = copy.deepcopy(signed["ecdsa-rdfc-2019"])
    forged["credentialSubject"]["licenseNumber"] = "7654321"
    _write(folder, "forged.json", forged)
    verdict = verify_credential(forged, loader=loader, now=now)
    _show_verdict(console, verdict)
    if verdict.verified or not card_ok:
        console.print("[bold red]A step did not come out as it must: this is a bug.[/]")
        raise typer.Exit(1)
    console.print(
        "\n[bold green]Demo complete.[/] Try: "
        f"shikaku vc verify {folder / 'signed-ecdsa-rdfc-2019.json'}"
    )
