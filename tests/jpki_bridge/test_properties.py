"""Property tests: codecs round-trip, and the emulator answers any bytes like a card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jpki_bridge import apdu
from jpki_bridge.certs import BirthDate, Sex, decode_utf8_string, encode_utf8_string
from jpki_bridge.emulator import CardState, EmulatedCard
from jpki_bridge.kenhojo import BasicFour, decode_basic_four, encode_basic_four
from jpki_bridge.pki import TestPki

_KNOWN_AIDS = {apdu.JPKI_AID, apdu.KENHOJO_AID, apdu.KENKAKUNIN_AID}
_TEXT = st.text(st.characters(codec="utf-8"), max_size=200)


@given(
    name=_TEXT,
    address=_TEXT,
    birth=st.dates(min_value=dt.date(1868, 1, 1), max_value=dt.date(2099, 12, 31)),
    sex=st.sampled_from(list(Sex)),
)
def test_kenhojo_record_round_trips(name: str, address: str, birth: dt.date, sex: Sex) -> None:
    facts = BasicFour(name=name, address=address, birth_date=birth, sex=sex)
    encoded = encode_basic_four(facts)
    assert apdu.tlv_total_length(encoded[:8]) == len(encoded)
    assert decode_basic_four(encoded) == facts


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_birth_date_round_trips(day: dt.date) -> None:
    birth = BirthDate.of(day)
    assert BirthDate.decode(birth.encode()) == birth


@given(_TEXT)
def test_utf8_string_round_trips(text: str) -> None:
    assert decode_utf8_string(encode_utf8_string(text)) == text


@pytest.fixture(scope="module")
def module_card(tmp_path_factory: pytest.TempPathFactory, pki: TestPki) -> Iterator[EmulatedCard]:
    directory: Path = tmp_path_factory.mktemp("prop") / "card"
    CardState.provision(directory, pki)
    card = EmulatedCard(CardState(directory))
    card.power_on()
    yield card
    card.state.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(st.binary(min_size=1, max_size=16).filter(lambda aid: aid not in _KNOWN_AIDS))
def test_unknown_aids_never_answer_9000(module_card: EmulatedCard, aid: bytes) -> None:
    response = module_card.transmit(apdu.select_aid(aid).to_bytes())
    assert response == b"\x6a\x82"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=500)
@given(st.binary(max_size=300).filter(lambda raw: raw[1:2] != b"\x20"))
def test_any_bytes_get_a_status_word(module_card: EmulatedCard, raw: bytes) -> None:
    # VERIFY (INS 20) is left out so that random bytes never spend a PIN try.
    response = module_card.transmit(raw)
    assert len(response) >= 2
    assert response[-2:] != b"\x90\x00" or raw[1:2] in (b"\xa4", b"\xb0", b"\x2a")
