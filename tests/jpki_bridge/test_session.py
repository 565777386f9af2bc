"""The card session over the in-process transport: certificates, PIN safety, signing."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from jpki_bridge.apdu import Ef, KenhojoEf
from jpki_bridge.certs import CertKind, Sex, four_facts, rsa_public_key
from jpki_bridge.emulator.card import KENHOJO_MY_NUMBER_EF
from jpki_bridge.pin import Pin, PinKind
from jpki_bridge.pki import TestPki
from jpki_bridge.session import CardSession, CertSlot
from jpki_bridge.transport import InProcessTransport
from tests.jpki_bridge.recording import RecordingTransport
from vc_core.errors import CardError
from vc_core.keys import verify_signature


@pytest.fixture
def recorded(card_dir: Path) -> Iterator[tuple[CardSession, RecordingTransport]]:
    transport = RecordingTransport(InProcessTransport.open(card_dir))
    with CardSession(transport) as opened:
        yield opened, transport


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_reads_certificates_exactly_in_chunks(
    recorded: tuple[CardSession, RecordingTransport], pki: TestPki
) -> None:
    session, transport = recorded
    der = _der(pki.auth_cert)
    assert session.read_certificate_der(CertSlot.AUTH) == der
    reads = [cmd for cmd, _ in transport.exchanges if cmd[1] == 0xB0]
    assert reads[0] == bytes.fromhex("00B0000004")  # the DER header first
    # Then contiguous chunks of at most 256 bytes that stop exactly at the DER length,
    # so the FF filler is never requested.
    position = 4
    for cmd in reads[1:]:
        offset, le = int.from_bytes(cmd[2:4], "big"), cmd[4] or 256
        assert offset == position
        position += le
    assert position == len(der)
    assert len(reads) == 1 + -(-(len(der) - 4) // 256)
    assert session.read_certificate_der(CertSlot.AUTH_CA) == _der(pki.auth_ca_cert)
    assert session.read_certificate_der(CertSlot.SIGN_CA) == _der(pki.sign_ca_cert)


def test_sign_certificate_needs_the_sign_pin(session: CardSession, pki: TestPki) -> None:
    with pytest.raises(CardError) as caught:
        session.read_certificate(CertSlot.SIGN)
    assert caught.value.code == "card.security_status"
    session.verify_pin(Pin(PinKind.SIGN, "ABC123"))
    assert session.read_certificate(CertSlot.SIGN) == pki.sign_cert


def test_token_label(session: CardSession) -> None:
    assert session.token_label() == "JPKIAPICCTOKEN2"


def test_pin_status_spends_no_try(recorded: tuple[CardSession, RecordingTransport]) -> None:
    session, transport = recorded
    for _ in range(5):
        assert session.pin_status(PinKind.AUTH).tries_left == 3
    assert session.pin_status(PinKind.SIGN).tries_left == 5
    assert session.pin_status(PinKind.KENHOJO).tries_left == 3
    assert transport.verifies_with_data() == 0


def test_wrong_pin_costs_exactly_one_try(recorded: tuple[CardSession, RecordingTransport]) -> None:
    session, transport = recorded
    with pytest.raises(CardError) as caught:
        session.verify_pin(Pin(PinKind.AUTH, "9999"))
    assert caught.value.code == "card.pin_incorrect"
    assert caught.value.details["retries_left"] == 2
    assert transport.verifies_with_data() == 1
    assert session.pin_status(PinKind.AUTH).tries_left == 2
    # A right PIN restores the counter.
    session.verify_pin(Pin(PinKind.AUTH, "1234"))
    assert session.pin_status(PinKind.AUTH).tries_left == 3


def test_last_try_is_refused_without_consent_and_blocks(
    recorded: tuple[CardSession, RecordingTransport],
) -> None:
    session, transport = recorded
    for left in (2, 1):
        with pytest.raises(CardError) as caught:
            session.verify_pin(Pin(PinKind.AUTH, "0000"))
        assert caught.value.details["retries_left"] == left
    sent = transport.verifies_with_data()
    with pytest.raises(CardError) as caught:
        session.verify_pin(Pin(PinKind.AUTH, "1234"))
    assert caught.value.code == "card.pin_last_try"
    assert caught.value.details["retries_left"] == 1
    assert transport.verifies_with_data() == sent  # refused before the card saw a PIN
    with pytest.raises(CardError) as caught:
        session.verify_pin(Pin(PinKind.AUTH, "0000"), allow_last_try=True)
    assert caught.value.code == "card.pin_blocked"
    assert caught.value.details["retries_left"] == 0
    assert session.pin_status(PinKind.AUTH).blocked
    sent = transport.verifies_with_data()
    with pytest.raises(CardError) as caught:
        session.verify_pin(Pin(PinKind.AUTH, "1234"), allow_last_try=True)
    assert caught.value.code == "card.pin_blocked"
    assert transport.verifies_with_data() == sent  # a blocked PIN is never sent


def test_malformed_pin_never_reaches_the_card() -> None:
    for kind, bad in ((PinKind.AUTH, "12345"), (PinKind.AUTH, "abcd"), (PinKind.SIGN, "abc123")):
        with pytest.raises(CardError) as caught:
            Pin(kind, bad)
        assert caught.value.code == "card.pin_format"
        assert bad not in str(caught.value)
        assert bad not in repr(caught.value.to_dict())


def test_pin_never_leaks(
    recorded: tuple[CardSession, RecordingTransport], caplog: pytest.LogCaptureFixture
) -> None:
    session, _ = recorded
    secret = "ZQ9X7W"
    pin = Pin(PinKind.SIGN, secret)
    assert secret not in repr(pin)
    assert secret not in str(pin)
    assert secret not in f"{pin!r} {pin}"
    with pytest.raises(TypeError):
        pickle.dumps(pin)
    caplog.set_level(logging.DEBUG, logger="jpki_bridge")
    with pytest.raises(CardError) as caught:
        session.verify_pin(pin)
    assert caplog.records, "the session logs APDUs at DEBUG"
    hexed = secret.encode().hex()
    for text in (caplog.text, str(caught.value), repr(caught.value), str(caught.value.to_dict())):
        assert secret not in text
        assert hexed not in text.lower()


def test_sign_with_each_key(session: CardSession, pki: TestPki) -> None:
    with pytest.raises(CardError) as caught:
        session.sign(CertKind.AUTH, b"data")
    assert caught.value.code == "card.security_status"
    session.verify_pin(Pin(PinKind.AUTH, "1234"))
    signature = session.sign(CertKind.AUTH, b"data")
    verify_signature(rsa_public_key(pki.auth_cert), signature, b"data")
    session.verify_pin(Pin(PinKind.SIGN, "ABC123"))
    signature = session.sign(CertKind.SIGN, b"data")
    verify_signature(rsa_public_key(pki.sign_cert), signature, b"data")


def test_kenhojo_basic_four(session: CardSession, pki: TestPki) -> None:
    facts = session.read_basic_four(Pin(PinKind.KENHOJO, "1234"))
    assert facts.name == "試験\u3000花子"
    assert facts.birth_date == pki.person.birth_date
    assert facts.sex is Sex.FEMALE
    assert facts.address == pki.person.address
    with pytest.raises(ValueError):
        session.read_basic_four(Pin(PinKind.AUTH, "1234"))


def test_no_code_path_selects_the_my_number_file(card_dir: Path, pki: TestPki) -> None:
    transport = InProcessTransport.open(card_dir)
    with CardSession(transport) as session:
        # Every public operation of the session, once.
        session.token_label()
        for slot in CertSlot:
            if slot is not CertSlot.SIGN:
                session.read_certificate(slot)
        for kind in PinKind:
            session.pin_status(kind)
        session.verify_pin(Pin(PinKind.AUTH, "1234"))
        session.sign(CertKind.AUTH, b"x")
        session.verify_pin(Pin(PinKind.SIGN, "ABC123"))
        session.read_certificate(CertSlot.SIGN)
        session.sign(CertKind.SIGN, b"x")
        session.read_basic_four(Pin(PinKind.KENHOJO, "1234"))
        log = list(transport.card.access_log)
        assert ("kenhojo", int(KenhojoEf.BASIC_FOUR)) in log
        assert ("kenhojo", KENHOJO_MY_NUMBER_EF) not in log
        # The session cannot even be asked to: the file has no name, and numbers
        # that alias it are refused in the Kenhojo application.
        assert KENHOJO_MY_NUMBER_EF not in {int(f) for f in KenhojoEf}
        for alias in (Ef.SIGN_CERT, KENHOJO_MY_NUMBER_EF):
            with pytest.raises(ValueError):
                session._select_ef(alias)  # type: ignore[arg-type]
        assert ("kenhojo", KENHOJO_MY_NUMBER_EF) not in transport.card.access_log


def test_t0_response_chaining_is_completed(card_dir: Path, pki: TestPki) -> None:
    class T0Reader(RecordingTransport):
        """Answers data with 61xx and hands it out through GET RESPONSE, as T=0 readers do."""

        pending = b""

        def transmit(self, apdu: bytes) -> bytes:
            if apdu[:2] == b"\x00\xc0":
                out, self.pending = self.pending[: apdu[4] or 256], self.pending[apdu[4] or 256 :]
                more = len(self.pending)
                return out + (bytes([0x61, min(more, 255)]) if more else b"\x90\x00")
            response = super().transmit(apdu)
            if len(response) > 2 and response[-2:] == b"\x90\x00":
                self.pending = response[:-2]
                return bytes([0x61, min(len(self.pending), 255) % 256])
            return response

    with CardSession(T0Reader(InProcessTransport.open(card_dir))) as session:
        assert session.read_certificate(CertSlot.AUTH) == pki.auth_cert
        session.verify_pin(Pin(PinKind.AUTH, "1234"))
        signature = session.sign(CertKind.AUTH, b"t0")
        verify_signature(rsa_public_key(pki.auth_cert), signature, b"t0")


def test_a_card_without_jpki_says_so() -> None:
    class OtherCard:
        """A contact card of some other scheme: it knows none of the JPKI AIDs."""

        reader = "other reader"

        def transmit(self, apdu: bytes) -> bytes:
            return b"\x6a\x82" if apdu[1] == 0xA4 else b"\x6d\x00"

        def close(self) -> None:
            pass

    with CardSession(OtherCard()) as session, pytest.raises(CardError) as caught:
        session.select_jpki()
    assert caught.value.code == "card.not_jpki"


def test_four_facts_of_the_sign_cert_read_from_the_card(session: CardSession) -> None:
    session.verify_pin(Pin(PinKind.SIGN, "ABC123"))
    facts = four_facts(session.read_certificate(CertSlot.SIGN))
    assert facts.name == "試験\u3000花子"
