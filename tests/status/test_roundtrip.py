"""Property tests: both encodings round-trip, layouts convert, and damage is refused.

W3C Bitstring Status List v1.0 §3.3/§3.4 (GZIP, multibase, msb) and draft-ietf-oauth-status-list
§4.1–§5.2 (ZLIB, base64url or CBOR, lsb; JWT and CWT).
"""

from __future__ import annotations

import zlib

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_core.codecs import b64url_encode, multibase_encode
from vc_core.errors import StatusError
from vc_core.keys import generate_key
from vc_core.status import (
    MIN_ENTRIES,
    PackedStatusList,
    StatusListToken,
    decode_list,
    decode_lst,
    encode_list,
    encode_lst,
    new_list,
    sign_status_list_cwt,
    sign_status_list_jwt,
    status_list_from_cbor,
    status_list_from_json,
    status_list_to_cbor,
    status_list_to_json,
    verify_status_list_cwt,
    verify_status_list_jwt,
)
from vc_core.status._deflate import GZIP, deflate
from vc_core.status._jose import jws_sign
from vc_core.status.bits import TOKEN_BITS

KEY = generate_key("p256")
OTHER_KEY = generate_key("p256")


@st.composite
def lists(draw: st.DrawFn, widths: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)) -> PackedStatusList:
    """A list with some entries set, its width drawn from ``widths``."""
    bits = draw(st.sampled_from(widths))
    size = draw(st.integers(min_value=1, max_value=4096))
    packed = PackedStatusList(size, bits)
    values = draw(
        st.dictionaries(
            st.integers(min_value=0, max_value=size - 1),
            st.integers(min_value=1, max_value=(1 << bits) - 1),
            max_size=64,
        )
    )
    for index, value in values.items():
        packed.set(index, value)
    return packed


@given(lists())
def test_w3c_encoding_round_trips(packed: PackedStatusList) -> None:
    decoded = decode_list(encode_list(packed), status_size=packed.bits, min_entries=0)
    # The encoding is whole bytes, so a decoded list may end in extra all-zero entries.
    assert decoded.non_zero() == packed.non_zero()
    assert decoded.to_bytes() == packed.to_bytes()


@given(lists(TOKEN_BITS), st.sampled_from(["json", "cbor"]))
def test_ietf_encoding_round_trips(packed: PackedStatusList, form: str) -> None:
    if form == "json":
        decoded = status_list_from_json(status_list_to_json(packed))
    else:
        decoded = status_list_from_cbor(cbor2.dumps(status_list_to_cbor(packed)))
    assert decoded.order == "lsb"
    assert decoded.non_zero() == packed.non_zero()


@given(lists(TOKEN_BITS))
def test_layout_conversion_keeps_every_value_and_inverts(packed: PackedStatusList) -> None:
    lsb = packed.reordered("lsb")
    assert lsb.non_zero() == packed.non_zero()
    assert lsb.reordered("msb") == packed


@given(
    st.sampled_from((1, 2, 3, 4, 5, 6, 7, 8)),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=199), st.integers(min_value=0, max_value=255))
    ),
    st.sampled_from(["msb", "lsb"]),
)
def test_get_and_set_agree_with_a_plain_list(
    bits: int, writes: list[tuple[int, int]], order: str
) -> None:
    if order == "lsb" and bits not in TOKEN_BITS:
        bits = 4
    packed = PackedStatusList(200, bits, order="lsb" if order == "lsb" else "msb")
    model = [0] * 200
    for index, raw in writes:
        value = raw & ((1 << bits) - 1)
        packed.set(index, value)
        model[index] = value
    assert [packed.get(i) for i in range(200)] == model
    assert packed.non_zero() == {i: v for i, v in enumerate(model) if v}


@settings(max_examples=25, deadline=None)
@given(
    lists(TOKEN_BITS), st.integers(min_value=0, max_value=2**31), st.sampled_from(["jwt", "cwt"])
)
def test_signed_tokens_round_trip(packed: PackedStatusList, iat: int, form: str) -> None:
    token = StatusListToken(
        subject="https://issuer.example/status/1",
        issued_at=iat,
        status_list=packed,
        expires_at=iat + 86400,
        ttl=300,
        issuer="did:example:board",
    )
    if form == "jwt":
        jwt = sign_status_list_jwt(token, KEY, kid="k1")
        back = verify_status_list_jwt(jwt, KEY.public_key, now=iat, expected_subject=token.subject)
    else:
        cwt = sign_status_list_cwt(token, KEY, kid=b"k1")
        back = verify_status_list_cwt(cwt, KEY.public_key, now=iat, expected_subject=token.subject)
    assert back.status_list.non_zero() == packed.non_zero()
    assert (back.subject, back.issued_at, back.expires_at, back.ttl, back.issuer) == (
        token.subject,
        iat,
        iat + 86400,
        300,
        "did:example:board",
    )


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_any_flipped_byte_of_a_cwt_is_refused(data: st.DataObject) -> None:
    token = StatusListToken(
        "https://issuer.example/status/1", 1700000000, new_list().reordered("lsb")
    )
    cwt = sign_status_list_cwt(token, KEY)
    position = data.draw(st.integers(min_value=0, max_value=len(cwt) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    damaged = cwt[:position] + bytes([cwt[position] ^ flip]) + cwt[position + 1 :]
    with pytest.raises(StatusError):
        verify_status_list_cwt(damaged, KEY.public_key, now=1700000000)


def test_a_token_signed_by_another_key_is_refused() -> None:
    token = StatusListToken("https://issuer.example/status/1", 1700000000, new_list())
    with pytest.raises(StatusError) as caught:
        verify_status_list_jwt(
            sign_status_list_jwt(token, OTHER_KEY), KEY.public_key, now=1700000000
        )
    assert caught.value.code == "status.proof_invalid"
    with pytest.raises(StatusError) as caught:
        verify_status_list_cwt(
            sign_status_list_cwt(token, OTHER_KEY), KEY.public_key, now=1700000000
        )
    assert caught.value.code == "status.proof_invalid"


def test_alg_none_and_hmac_are_refused() -> None:
    token = StatusListToken("https://issuer.example/status/1", 1700000000, new_list())
    jwt = sign_status_list_jwt(token, KEY)
    _head, body, _sig = jwt.split(".")
    for alg in ("none", "HS256"):
        header = b64url_encode(f'{{"alg":"{alg}","typ":"statuslist+jwt"}}'.encode())
        with pytest.raises(StatusError) as caught:
            verify_status_list_jwt(f"{header}.{body}.", KEY.public_key, now=1700000000)
        assert caught.value.code == "status.proof_invalid"


def test_a_jwt_with_another_typ_is_refused() -> None:
    token = StatusListToken("https://issuer.example/status/1", 1700000000, new_list())
    jwt = jws_sign({"typ": "JWT"}, {"sub": token.subject, "iat": 1, "status_list": {}}, KEY)
    with pytest.raises(StatusError) as caught:
        verify_status_list_jwt(jwt, KEY.public_key, now=1700000000)
    assert caught.value.code == "status.list_malformed"


# -- Malformed and hostile lists -------------------------------------------------------------


def test_a_compression_bomb_stops_at_the_limit() -> None:
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)
    assert len(bomb) < 100_000
    with pytest.raises(StatusError) as caught:
        decode_lst(bomb, 1, max_bytes=1024 * 1024)
    assert caught.value.code == "status.list_too_large"
    gzip_bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    gzipped = gzip_bomb.compress(bytes(64 * 1024 * 1024)) + gzip_bomb.flush()
    with pytest.raises(StatusError) as caught:
        decode_list(multibase_encode(gzipped, "u"), max_bytes=1024 * 1024)
    assert caught.value.code == "status.list_too_large"


@pytest.mark.parametrize(
    "encoded",
    [
        "zH4sIAAAAAAAAA",  # base58 prefix, not base64url
        "u!!!",  # not base64url
        multibase_encode(zlib.compress(bytes(16384)), "u"),  # ZLIB where GZIP is required
        multibase_encode(b"\x1f\x8b\x08\x00garbage", "u"),  # a broken GZIP stream
        encode_list(new_list())[:-8],  # truncated
        multibase_encode(deflate(bytes(16384), GZIP) + b"tail", "u"),  # bytes after the stream
    ],
)
def test_malformed_w3c_lists_are_refused(encoded: str) -> None:
    with pytest.raises(StatusError) as caught:
        decode_list(encoded)
    assert caught.value.code == "status.list_malformed"


def test_a_w3c_list_below_131072_entries_is_too_short() -> None:
    short = PackedStatusList(MIN_ENTRIES - 8, 1)
    with pytest.raises(StatusError) as caught:
        decode_list(encode_list(short))
    assert caught.value.code == "status.list_too_short"
    # A 2-bit list needs twice the bytes for the same number of entries.
    with pytest.raises(StatusError) as caught:
        decode_list(encode_list(new_list()), status_size=2)
    assert caught.value.code == "status.list_too_short"


def test_ietf_lists_refuse_other_widths_and_gzip() -> None:
    with pytest.raises(StatusError) as caught:
        status_list_from_json({"bits": 3, "lst": "eNrbuRgAAhcBXQ"})
    assert caught.value.code == "status.bits_unsupported"
    gzipped = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = gzipped.compress(b"\x01") + gzipped.flush()
    with pytest.raises(StatusError) as caught:
        decode_lst(data, 1)
    assert caught.value.code == "status.list_malformed"


def test_indexes_and_values_are_range_checked() -> None:
    packed = new_list()
    with pytest.raises(StatusError) as caught:
        packed.get(MIN_ENTRIES)
    assert caught.value.code == "status.index_out_of_range"
    with pytest.raises(StatusError) as caught:
        packed.set(0, 2)
    assert caught.value.code == "status.value_out_of_range"
    with pytest.raises(StatusError) as caught:
        encode_lst(PackedStatusList(8, 3))
    assert caught.value.code == "status.bits_unsupported"
