"""direct_post.jwt decryption, checked against jwcrypto's encryption (an independent one).

Both offered ``enc`` values decrypt; whatever byte of a JWE is changed, it is refused as
``oid4vp.decryption_failed`` (never another error, never a plaintext); another ``alg``, a
``zip``, a key on another curve and an encrypted key are refused before any decryption.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwe, jwk

from vc_core.codecs import b64url_decode
from vc_core.errors import Oid4vpError
from vc_core.keys import SoftwareKey, generate_key
from verifier.oid4vp.jwe import decrypt, encryption_jwk, key_id_of

KEY = generate_key("p256")
PAYLOAD = {"vp_token": {"q": ["presentation"]}, "state": "s"}


def _encrypt(key: SoftwareKey, header: dict[str, Any], payload: Any = PAYLOAD) -> str:
    public = encryption_jwk(key, "kid-1")
    token = jwe.JWE(json.dumps(payload).encode(), protected=header)
    token.add_recipient(jwk.JWK(**{k: public[k] for k in ("kty", "crv", "x", "y")}))
    serialized: str = token.serialize(compact=True)
    return serialized


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_jwcrypto_responses_decrypt(enc: str) -> None:
    header = {"alg": "ECDH-ES", "enc": enc, "kid": "kid-1", "apu": "YQ", "apv": "Yg"}
    compact = _encrypt(KEY, header)
    assert key_id_of(compact) == "kid-1"
    assert decrypt(compact, KEY) == PAYLOAD


COMPACT = _encrypt(KEY, {"alg": "ECDH-ES", "enc": "A128GCM", "kid": "kid-1"})


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=len(COMPACT) - 1), st.sampled_from("AQgw_-"))
def test_any_changed_character_is_refused(position: int, replacement: str) -> None:
    if COMPACT[position] in (replacement, "."):
        return
    changed = COMPACT[:position] + replacement + COMPACT[position + 1 :]
    try:
        decrypt(changed, KEY)
    except Oid4vpError as exc:
        assert exc.code == "oid4vp.decryption_failed"
    else:
        # Only a change that leaves every decoded byte as it was may pass (base64url's unused
        # trailing bits, if the decoder tolerated them).
        decoded = [b64url_decode(part) for part in changed.split(".")]
        assert decoded == [b64url_decode(part) for part in COMPACT.split(".")]


def test_another_key_does_not_decrypt() -> None:
    with pytest.raises(Oid4vpError) as raised:
        decrypt(COMPACT, generate_key("p256"))
    assert raised.value.code == "oid4vp.decryption_failed"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ECDH-ES+A128KW", "enc": "A128GCM", "kid": "kid-1"},
        {"alg": "ECDH-ES", "enc": "A128CBC-HS256", "kid": "kid-1"},
        {"alg": "ECDH-ES", "enc": "A128GCM", "kid": "kid-1", "zip": "DEF"},
    ],
)
def test_other_algorithms_and_compression_are_refused(header: dict[str, str]) -> None:
    with pytest.raises(Oid4vpError) as raised:
        decrypt(_encrypt(KEY, header), KEY)
    assert raised.value.code == "oid4vp.decryption_failed"


def test_a_key_on_another_curve_or_a_non_object_is_refused() -> None:
    with pytest.raises(Oid4vpError):
        decrypt(COMPACT, generate_key("p384"))
    with pytest.raises(Oid4vpError) as raised:
        decrypt(_encrypt(KEY, {"alg": "ECDH-ES", "enc": "A128GCM"}, ["a list"]), KEY)
    assert raised.value.code == "oid4vp.decryption_failed"
    for broken in ("", "a.b", "a.b.c.d.e", "e30.x.y.z.w"):
        with pytest.raises(Oid4vpError):
            decrypt(broken, KEY)
    with pytest.raises(Oid4vpError):
        key_id_of(_encrypt(KEY, {"alg": "ECDH-ES", "enc": "A128GCM"}))
