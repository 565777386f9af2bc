"""Done-when 3: a presentation whose KB-JWT was signed on the emulated card through PC/SC.

``pyscard → libpcsclite → pcscd → vpcd → shikaku card emulate`` (JPKI.md): the board binds
the credential to the card's auth certificate, read over PC/SC; the holder signs the KB-JWT
on the card (RS256, the auth PIN verified once) with the chain in ``x5c``; the employer
verifies it to the test JPKI root. Then the failures: the right card over another nonce
(``kb.nonce_mismatch``), and another card — a second emulated card with its own keys, put
in the same reader — (``kb.signature_invalid``). The holder's side runs both through the
Python API and through ``shikaku vc present --card --reader``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from holder.card import auth_certificate, card_signer, present_on_card
from issuer.jose_forms import HolderBinding, issue_jose_credential
from jpki_bridge.pcsc import PcscTransport
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki, make_test_pki
from jpki_bridge.session import CardSession
from jpki_bridge.validation import TrustAnchors
from tests.jpki_bridge.pcsc.stack import READER, Emulator, run_shikaku
from vc_core.di import default_verification_method
from vc_core.jose import parse_jws
from vc_core.keys import generate_key
from vc_core.sdjwt import parse_sd_jwt
from vc_schemas.samples import sample_credential
from verifier.jose import JoseVerification, verify_jose

pytestmark = pytest.mark.pcsc

NONCE = "pcsc-nonce-7"
AUDIENCE = "https://hospital.example"
ISSUER = generate_key("p256")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _present_over_pcsc(credential: str, pki: TestPki, nonce: str) -> str:
    with CardSession(PcscTransport.connect(READER)) as session:
        signer = card_signer(session, Pin(PinKind.AUTH, pki.auth_pin))
        return present_on_card(
            credential,
            disclose=["/licenseNumber", "/familyName", "/givenName"],
            signer=signer,
            nonce=nonce,
            audience=AUDIENCE,
            now=_now(),
        )


def _verify(presented: str, pki: TestPki) -> JoseVerification:
    return verify_jose(
        presented,
        now=_now(),
        nonce=NONCE,
        audience=AUDIENCE,
        card_anchors=TrustAnchors((pki.auth_ca_cert,)),
    )


def _failed(result: JoseVerification) -> dict[str, str | None]:
    return {c.name: c.code for c in result.verdict.checks if c.ok is False}


def test_kb_jwt_signed_on_the_card_through_pcsc(
    emulator: Emulator, pki: TestPki, tmp_path: Path
) -> None:
    # The board reads the auth certificate (no PIN) and binds the credential to it.
    with CardSession(PcscTransport.connect(READER)) as session:
        certificate = auth_certificate(session)
    assert certificate == pki.auth_cert
    credential = issue_jose_credential(
        sample_credential("kangoshi"),
        form="dc+sd-jwt",
        signer=ISSUER,
        kid=default_verification_method(ISSUER),
        now=_now() - timedelta(minutes=1),
        holder=HolderBinding.of_certificate(certificate),
    )

    # The holder presents on the card: it verifies, to the JPKI root, with RS256.
    presented = _present_over_pcsc(credential, pki, NONCE)
    kb_header = parse_jws(parse_sd_jwt(presented).kb_jwt or "").header
    assert kb_header["alg"] == "RS256" and kb_header["typ"] == "kb+jwt"
    result = _verify(presented, pki)
    assert result.verdict.verified, result.verdict.to_json()
    assert next(c for c in result.verdict.checks if c.name == "holder.certificate").ok is True
    assert result.claims is not None and result.claims["givenName"] == "花子"

    # The right card, signing over another nonce, is refused.
    other_nonce = _present_over_pcsc(credential, pki, "another-verifiers-nonce")
    assert _failed(_verify(other_nonce, pki)) == {"sd_jwt.key_binding": "kb.nonce_mismatch"}

    # The same through the CLI: shikaku vc present --card --reader (PIN on stdin).
    (tmp_path / "credential.txt").write_text(credential + "\n", encoding="utf-8")
    cli = run_shikaku(
        "vc",
        "present",
        "--card",
        "--reader",
        READER,
        "--pin-stdin",
        "--disclose",
        "/licenseNumber",
        "--nonce",
        NONCE,
        "--aud",
        AUDIENCE,
        str(tmp_path / "credential.txt"),
        stdin=f"{pki.auth_pin}\n",
    )
    assert cli.returncode == 0, cli.stderr
    assert pki.auth_pin not in cli.stdout + cli.stderr
    via_cli = _verify(cli.stdout.strip(), pki)
    assert via_cli.verdict.verified, via_cli.verdict.to_json()
    anchor = tmp_path / "auth-ca.pem"
    anchor.write_bytes(pki.auth_ca_cert.public_bytes(Encoding.PEM))
    (tmp_path / "presented.txt").write_text(cli.stdout, encoding="utf-8")
    # The card's part of the employer's check (issuer trust and nonces: tests/cli).
    verified = run_shikaku(
        "vc",
        "verify",
        "--json",
        "--checks",
        "format,proof,holder_binding,holder_certificate",
        "--nonce",
        NONCE,
        "--aud",
        AUDIENCE,
        "--jpki-anchor",
        str(anchor),
        str(tmp_path / "presented.txt"),
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["verified"] is True

    # Another card in the same reader cannot present it.
    other_pki = make_test_pki()
    other_dir = tmp_path / "other-pki"
    other_pki.save(other_dir)
    emulator.stop()
    workdir = tmp_path / "other"
    workdir.mkdir()
    other = Emulator(tmp_path / "other-card", other_dir, workdir)
    other.start()
    try:
        with CardSession(PcscTransport.connect(READER)) as session:
            assert auth_certificate(session) == other_pki.auth_cert
        stolen = _present_over_pcsc(credential, other_pki, NONCE)
    finally:
        other.stop()
    assert _failed(_verify(stolen, pki)) == {"sd_jwt.key_binding": "kb.signature_invalid"}
