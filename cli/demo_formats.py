"""The formats story that ``shikaku demo --formats`` tells, offline, on one injected clock.

A board makes keys and signs a 看護師 credential with each Data Integrity cryptosuite; the
holder derives a disclosure that hides what an employer has no right to see, and the
employer verifies it; the board issues the same qualification as an SD-JWT VC bound to the
holder's My Number Card (the in-process emulator), the holder presents it by signing on the
card, the hospital verifies the card signature and its JPKI chain, and a replay fails; a
forged copy is rejected. Each step prints what happened and writes its files, so a newcomer
can run the same steps with ``shikaku vc …`` afterwards.

Time enters only through the ``clock`` of :func:`run_demo` (``vc_core.clock``): every step
reads it when it acts, as it would read the real clock, so the story holds whether or not
its steps fall in one second, minute or day. The test certificates are backdated as real
CAs backdate theirs (:data:`jpki_bridge.pki.CERT_BACKDATE`).
"""

from __future__ import annotations

import copy
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel

from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from holder.card import auth_certificate, card_signer, present_on_card
from issuer.jose_forms import HolderBinding, issue_jose_credential
from jpki_bridge.emulator import CardState
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import PkiKeys, make_test_pki
from jpki_bridge.session import CardSession
from jpki_bridge.transport import InProcessTransport
from jpki_bridge.validation import TrustAnchors
from vc_core import di
from vc_core.clock import Clock, system_clock
from vc_core.di import default_verification_method
from vc_core.did import did_key_from_public_key
from vc_core.jsonld.loader import DocumentLoader
from vc_core.keys import SoftwareKey, generate_key
from vc_core.verdict import Verdict, verify_credential
from vc_schemas.policy import disclosure_policy
from verifier.jose import verify_jose

__all__ = ["DemoKeys", "run_demo"]

_SUITES = ("ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-sd-2023")


@dataclass(frozen=True, repr=False)
class DemoKeys:
    """Every key the story uses: the board's two signing keys and the test PKI's RSA keys.

    The story makes them afresh; a test that tells it many times makes them once, since the
    RSA keys are most of the cost. Certificates, credentials and proofs are new every time.
    """

    p256: SoftwareKey
    ed25519: SoftwareKey
    pki: PkiKeys

    @classmethod
    def generate(cls) -> DemoKeys:
        return cls(generate_key("p256"), generate_key("ed25519"), PkiKeys.generate())

    def __repr__(self) -> str:
        return "DemoKeys(<hidden>)"


@dataclass(frozen=True)
class _World:
    console: Console
    folder: Path
    loader: DocumentLoader
    clock: Clock


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


def _verify(world: _World, document: dict[str, Any]) -> Verdict:
    return verify_credential(document, loader=world.loader, now=world.clock())


def _sign_each(world: _World, keys: DemoKeys) -> dict[str, dict[str, Any]]:
    credential = jp_sample_credential(issuer=did_key_from_public_key(keys.p256.public_key))
    _write(world.folder, "credential.json", credential)
    signed: dict[str, dict[str, Any]] = {}
    for suite in _SUITES:
        if suite not in di.SUITES:
            world.console.print(f"  {suite}: [yellow]not available in this build[/]")
            continue
        key = keys.ed25519 if suite == "eddsa-rdfc-2022" else keys.p256
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
            loader=world.loader,
            mandatory_pointers=mandatory,
            now=world.clock,
        )
        path = _write(world.folder, f"signed-{suite}.json", signed[suite])
        value = signed[suite]["proof"]["proofValue"]
        world.console.print(f"  {suite:16s} proofValue {value[:32]}…  → {path.name}")
    return signed


def _disclose(world: _World, base: dict[str, Any]) -> bool:
    """The holder derives the employer's disclosure; returns whether the employer verifies it."""
    console = world.console
    policy = disclosure_policy("kangoshi")
    request = policy.selective_pointers(base, "employer")
    derived = di.derive(base, selective_pointers=request, loader=world.loader)
    _write(world.folder, "disclosed.json", derived)
    subject = derived["credentialSubject"]
    shown = sorted(k for k in subject if k not in ("id", "type", "achievement"))
    console.print(f"  the employer asked for: {', '.join(p.rsplit('/', 1)[1] for p in request)}")
    console.print(f"  disclosed to the employer: {', '.join(shown)}")
    withheld = sorted(k for k in base["credentialSubject"] if k not in subject)
    console.print(f"  withheld (never sent): {', '.join(withheld)}")
    console.print("  employer verifies the disclosure:")
    verdict = _verify(world, derived)
    _show_verdict(console, verdict)
    return verdict.verified


def _card_story(world: _World, keys: DemoKeys) -> bool:
    """The SD-JWT VC bound to the holder's My Number Card (the in-process emulator).

    Returns whether every step came out as it must (the presentation verifies, the replay
    is refused).
    """
    console, folder, clock = world.console, world.folder, world.clock
    pki = make_test_pki(now=clock(), keys=keys.pki)
    pki.save(folder / "test-pki")
    CardState.provision(folder / "card", pki)
    anchors = TrustAnchors((pki.auth_ca_cert,))
    nonce, audience = secrets.token_urlsafe(16), "https://hospital.example"
    with CardSession(InProcessTransport.open(folder / "card")) as session:
        credential = issue_jose_credential(
            jp_sample_credential(),
            form="dc+sd-jwt",
            signer=keys.p256,
            kid=default_verification_method(keys.p256),
            now=clock(),
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
            now=clock(),
        )
    (folder / "card-presentation.txt").write_text(presented + "\n", encoding="utf-8")
    result = verify_jose(
        presented, now=clock(), nonce=nonce, audience=audience, card_anchors=anchors
    )
    claims = result.claims or {}
    shown = ", ".join(f"{k}={claims[k]}" for k in ("licenseNumber", "familyName") if k in claims)
    console.print(f"  the hospital verifies (RS256 on the card, chain to the JPKI root): {shown}")
    _show_verdict(console, result.verdict)
    console.print("  someone replays the presentation to another verifier's nonce:")
    replay = verify_jose(
        presented,
        now=clock(),
        nonce=secrets.token_urlsafe(16),
        audience=audience,
        card_anchors=anchors,
    )
    _show_verdict(console, replay.verdict)
    return result.verdict.verified and not replay.verdict.verified


def run_demo(
    folder: Path,
    *,
    clock: Clock = system_clock,
    console: Console | None = None,
    keys: DemoKeys | None = None,
) -> bool:
    """Tell the story into ``folder`` (new or empty); return whether every step came out as
    it must: each credential and the disclosure verify, the card presentation verifies, the
    replay and the forgery are refused.

    ``clock`` is read whenever a step needs the time; ``keys`` are made afresh unless given.
    """
    console = console or Console(emoji=False, highlight=False)
    folder.mkdir(parents=True, exist_ok=True)
    world = _World(console, folder, cli_loader(), clock)

    console.print(
        Panel.fit("shikaku demo --formats — 看護師免許 in each securing form", style="bold")
    )
    console.print(f"Files go to [cyan]{folder}[/]\n")

    console.rule("1. The board makes its signing keys")
    keys = keys or DemoKeys.generate()
    for name, key in (("p256", keys.p256), ("ed25519", keys.ed25519)):
        key.save(folder / f"board-{name}.jwk")
        console.print(f"  {name:8s} {did_key_from_public_key(key.public_key)}")

    console.rule("2. The board signs a 看護師 credential with each cryptosuite")
    signed = _sign_each(world, keys)

    console.rule("3. The employer verifies each credential")
    ok = True
    for suite, document in signed.items():
        if suite == "ecdsa-sd-2023":
            continue  # A base proof is for the holder; employers see derived ones.
        console.print(f"  {suite}")
        verdict = _verify(world, document)
        _show_verdict(console, verdict)
        ok = ok and verdict.verified

    if "ecdsa-sd-2023" in signed:
        console.rule("4. The holder discloses what an employer may see, nothing more")
        ok = _disclose(world, signed["ecdsa-sd-2023"]) and ok

    console.rule("5. At the hospital: an SD-JWT VC presented with the My Number Card")
    ok = _card_story(world, keys) and ok

    console.rule("6. A forger changes the licence number")
    forged = copy.deepcopy(signed["ecdsa-rdfc-2019"])
    forged["credentialSubject"]["licenseNumber"] = "7654321"
    _write(folder, "forged.json", forged)
    verdict = _verify(world, forged)
    _show_verdict(console, verdict)
    return ok and not verdict.verified
