"""Published status-list vectors decode to their expected statuses.

Sources (see ../shared/vectors/MANIFEST.md):
- W3C Bitstring Status List v1.0, §2.2 example ``encodedList`` (all zero, 16 KB).
- draft-ietf-oauth-status-list examples/ and ``expected-statuses.json``; the statuses of the
  long lists are those printed in the draft's appendix "Test vectors for Status List encoding"
  (the same commit), written out below.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cbor2
import pytest

from vc_core.errors import StatusError
from vc_core.keys import AnyPublicKey, public_key_from_jwk
from vc_core.status import (
    MIN_ENTRIES,
    BitstringStatusListEntry,
    PackedStatusList,
    decode_list,
    encode_list,
    encode_lst,
    referenced_status,
    status_list_from_cbor,
    status_list_from_json,
    verify_status_list_cwt,
    verify_status_list_jwt,
)
from vc_core.status._jose import cose_sign1_verify

pytestmark = pytest.mark.vectors

# The draft's appendix: every entry not listed is 0 (VALID); each list has 2**20 entries.
LONG_1BIT = dict.fromkeys(
    [0, 1993, 25460, 159495, 495669, 554353, 645645, 723232, 854545, 934534, 1000345], 1
)
LONG_2BIT = {
    0: 1, 1993: 2, 25460: 1, 159495: 3, 495669: 1, 554353: 1,
    645645: 2, 723232: 1, 854545: 1, 934534: 2, 1000345: 3,
}  # fmt: skip
LONG_4BIT = {
    0: 1, 1993: 2, 35460: 3, 459495: 4, 595669: 5, 754353: 6, 845645: 7, 923232: 8,
    924445: 9, 934534: 10, 1004534: 11, 1000345: 12, 1030203: 13, 1030204: 14, 1030205: 15,
}  # fmt: skip
# The 8-bit list gives each value 0..255 to one index; a few of them, from the appendix.
LONG_8BIT_SAMPLE = {52451: 1, 96100: 44, 1046963: 78, 6805: 112, 1199: 121, 19535: 255}
LONG_SIZE = 2**20


def _ietf(vectors: Path, name: str) -> str:
    return (vectors / "ietf-token-status-list" / "examples" / f"{name}.md").read_text()


def _json_example(vectors: Path, name: str) -> dict[str, Any]:
    """The JSON object of an example; the draft wraps ``lst`` over lines, so drop whitespace."""
    text = _ietf(vectors, name)
    parsed = json.loads(re.sub(r"\s", "", text[text.index("{") :]))
    assert isinstance(parsed, dict)
    return parsed


def _hex_example(vectors: Path, name: str) -> bytes:
    text = _ietf(vectors, name)
    if "encoded:" in text:
        text = text.split("encoded:", 1)[1]
    return bytes.fromhex(re.sub(r"\s", "", text))


@pytest.fixture
def expected(vectors: Path) -> dict[str, Any]:
    data = json.loads((vectors / "ietf-token-status-list" / "expected-statuses.json").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture
def example_key(expected: dict[str, Any]) -> AnyPublicKey:
    return public_key_from_jwk(expected["example_key_public_jwk"])


# -- W3C -----------------------------------------------------------------------------------


def test_w3c_spec_example_is_131072_valid_entries(vectors: Path) -> None:
    examples = json.loads(
        (vectors / "w3c-bitstring-status-list" / "spec-examples.json").read_text()
    )
    packed = decode_list(examples["encodedList_all_zero_16KB"])
    assert len(packed.to_bytes()) == examples["decoded_length_bytes"] == 16384
    assert packed.size == MIN_ENTRIES
    assert packed.non_zero() == {}
    # GZIP at our level reproduces the spec's bytes exactly (the header's time is 0).
    assert encode_list(packed) == examples["encodedList_all_zero_16KB"]


def test_w3c_spec_entries_parse_and_index_the_example_list(vectors: Path) -> None:
    examples = json.loads(
        (vectors / "w3c-bitstring-status-list" / "spec-examples.json").read_text()
    )
    packed = decode_list(examples["encodedList_all_zero_16KB"])
    entries = [BitstringStatusListEntry.from_json(e) for e in examples["credentialStatus_example"]]
    assert [(e.status_purpose, e.status_list_index) for e in entries] == [
        ("revocation", 94567),
        ("suspension", 23452),
    ]
    assert all(packed.get(e.status_list_index) == 0 for e in entries)
    assert [e.to_json() for e in entries] == examples["credentialStatus_example"]


def test_w3c_bit_order_is_msb_first(vectors: Path) -> None:
    # The vector's note: statusListIndex 0 is the high bit (0x80) of byte 0.
    examples = json.loads(
        (vectors / "w3c-bitstring-status-list" / "spec-examples.json").read_text()
    )
    assert "MSB-first" in examples["bit_order"]
    packed = decode_list(examples["encodedList_all_zero_16KB"])
    packed.set(0, 1)
    packed.set(9, 1)
    assert packed.to_bytes()[:2] == bytes([0x80, 0x40])
    assert decode_list(encode_list(packed)).non_zero() == {0: 1, 9: 1}


# -- IETF ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "json_name", "cbor_name"), [
    ("status_list_1bit", "status_list_encoding_json", "status_list_encoding_cbor"),
    ("status_list_2bit", "status_list_encoding2_json", "status_list_encoding2_cbor"),
])  # fmt: skip
def test_ietf_short_lists_decode_to_expected_statuses(
    vectors: Path, expected: dict[str, Any], key: str, json_name: str, cbor_name: str
) -> None:
    case = expected[key]
    from_json = status_list_from_json(_json_example(vectors, json_name))
    cbor_bytes = _hex_example(vectors, cbor_name)
    from_cbor = status_list_from_cbor(cbor_bytes)
    for packed in (from_json, from_cbor):
        assert packed.bits == case["bits"]
        assert packed.to_bytes().hex() == case["byte_array_hex"]
        assert [packed.get(i) for i in range(len(case["statuses"]))] == case["statuses"]
    # The draft compressed with zlib's level 9; at that level our bytes are the same.
    assert encode_lst(from_json, level=9) == cbor2.loads(cbor_bytes)["lst"]


@pytest.mark.parametrize(("bits", "name", "statuses"), [
    (1, "status_list_encoding1_long", LONG_1BIT),
    (2, "status_list_encoding2_long", LONG_2BIT),
    (4, "status_list_encoding4", LONG_4BIT),
])  # fmt: skip
def test_ietf_long_lists_decode_to_the_appendix_statuses(
    vectors: Path, bits: int, name: str, statuses: dict[int, int]
) -> None:
    from_json = status_list_from_json(_json_example(vectors, f"{name}_json"))
    from_cbor = status_list_from_cbor(_hex_example(vectors, f"{name}_cbor"))
    for packed in (from_json, from_cbor):
        assert (packed.bits, packed.size) == (bits, LONG_SIZE)
        assert packed.non_zero() == statuses


def test_ietf_8bit_list_gives_each_value_to_one_index(vectors: Path) -> None:
    from_json = status_list_from_json(_json_example(vectors, "status_list_encoding8_json"))
    from_cbor = status_list_from_cbor(_hex_example(vectors, "status_list_encoding8_cbor"))
    assert from_json == from_cbor
    set_entries = from_json.non_zero()
    assert (from_json.bits, from_json.size) == (8, LONG_SIZE)
    assert sorted(set_entries.values()) == list(range(1, 256))
    assert {i: set_entries[i] for i in LONG_8BIT_SAMPLE} == LONG_8BIT_SAMPLE


def test_ietf_bit_order_is_lsb_first(expected: dict[str, Any]) -> None:
    # 0xb9 = 0b10111001: entries 0..7 read from the low bit are 1,0,0,1,1,1,0,1.
    assert "LSB-first" in expected["bit_order"]
    packed = PackedStatusList.from_bytes(bytes.fromhex("b9"), 1, order="lsb")
    assert [packed.get(i) for i in range(8)] == [1, 0, 0, 1, 1, 1, 0, 1]
    # In the W3C layout the entries keep their values and the byte's bits reverse.
    assert [packed.reordered("msb").get(i) for i in range(8)] == [1, 0, 0, 1, 1, 1, 0, 1]
    assert packed.reordered("msb").to_bytes() == bytes([0b10011101])


def test_ietf_status_list_jwt_verifies_with_the_example_key(
    vectors: Path, example_key: AnyPublicKey, expected: dict[str, Any]
) -> None:
    jwt = re.sub(r"\s", "", _ietf(vectors, "status_list_jwt_raw"))
    token = verify_status_list_jwt(
        jwt, example_key, now=1686920170, expected_subject="https://example.com/statuslists/1"
    )
    assert (token.issued_at, token.expires_at, token.ttl) == (1686920170, 2291720170, 43200)
    statuses = expected["status_list_1bit"]["statuses"]
    assert [token.status_list.get(i) for i in range(len(statuses))] == statuses
    # Past exp the same token is refused.
    with pytest.raises(StatusError) as caught:
        verify_status_list_jwt(jwt, example_key, now=2291720170 + 3600)
    assert caught.value.code == "status.list_expired"
    # A flipped signature byte is refused.
    head, body, sig = jwt.split(".")
    tampered = f"{head}.{body}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BA'}"
    with pytest.raises(StatusError) as caught:
        verify_status_list_jwt(tampered, example_key, now=1686920170)
    assert caught.value.code == "status.proof_invalid"


def test_ietf_status_list_cwt_verifies_with_the_example_key(
    vectors: Path, example_key: AnyPublicKey, expected: dict[str, Any]
) -> None:
    cwt = _hex_example(vectors, "status_list_cwt")
    token = verify_status_list_cwt(
        cwt, example_key, now=1686920170, expected_subject="https://example.com/statuslists/1"
    )
    assert token.ttl == 43200
    assert token.status_list.to_bytes().hex() == expected["status_list_1bit"]["byte_array_hex"]
    with pytest.raises(StatusError) as caught:
        verify_status_list_cwt(cwt, example_key, now=1686920170, expected_subject="https://x/1")
    assert caught.value.code == "status.list_malformed"
    tampered = cwt[:-1] + bytes([cwt[-1] ^ 1])
    with pytest.raises(StatusError) as caught:
        verify_status_list_cwt(tampered, example_key, now=1686920170)
    assert caught.value.code == "status.proof_invalid"


def test_ietf_referenced_token_points_to_the_list(vectors: Path, example_key: AnyPublicKey) -> None:
    token = _hex_example(vectors, "referenced_token_cwt")
    _protected, _unprotected, payload = cose_sign1_verify(token, example_key)
    assert referenced_status(cbor2.loads(payload)) == (0, "https://example.com/statuslists/1")
