"""Enrolment over the real PC/SC stack: pyscard → pcscd → vpcd → ``shikaku card emulate``."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuer.board import Board
from issuer.enrolment import Enrolment
from issuer.jose_forms import HolderBinding
from jpki_bridge.certs import CertKind
from jpki_bridge.pcsc import PcscTransport
from jpki_bridge.pki import TestPki
from jpki_bridge.validation import TrustAnchors
from tests.issuer.enrolment.conftest import SECRET, SUBJECT, card_proof, crl_sources
from tests.jpki_bridge.pcsc.stack import READER, Emulator
from vc_core.keys import generate_key, public_jwk

pytestmark = pytest.mark.pcsc


def test_a_card_in_a_reader_enrols_in_both_modes(
    emulator: Emulator, board: Board, anchors: TrustAnchors, pki: TestPki, tmp_path: Path
) -> None:
    enrolment = Enrolment(board, anchors, crl_sources(pki, tmp_path), SECRET)
    proof = card_proof(PcscTransport.connect(READER), enrolment.challenge(SUBJECT))
    enrolled = enrolment.enrol(SUBJECT, proof, "card")
    assert enrolled.holder == HolderBinding.of_certificate(pki.auth_cert)
    wallet = public_jwk(generate_key("p256").public_key)
    signed = card_proof(
        PcscTransport.connect(READER),
        enrolment.challenge(SUBJECT),
        key=CertKind.SIGN,
        wallet_jwk=wallet,
    )
    assert enrolment.enrol(SUBJECT, signed, "wallet", wallet_jwk=wallet).holder.jwk == wallet
    assert enrolment.binding_for(SUBJECT) == HolderBinding(wallet)
    assert emulator.accessed()  # The card answered through the reader, not in-process.
