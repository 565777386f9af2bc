"""The offline loader, the codecs and Multikey."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vc_core import di
from vc_core.codecs import (
    b58decode,
    b58encode,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
)
from vc_core.did import (
    build_did_web_document,
    did_jwk_from_public_key,
    did_web_from_url,
    resolve_did_document,
    resolve_verification_method,
)
from vc_core.errors import CodecError, DidError, LoaderError, ShikakuError
from vc_core.jsonld.loader import BUNDLED, default_loader, document_digest
from vc_core.keys import generate_key
from vc_core.multikey import decode_multikey_public, encode_multikey_public


def test_bundled_contexts_match_their_pins() -> None:
    loader = default_loader()
    for url, (_file, pin) in BUNDLED.items():
        assert document_digest(loader(url, None)["document"]) == pin


def test_any_other_url_is_refused() -> None:
    with pytest.raises(LoaderError) as info:
        default_loader()("https://www.w3.org/2017/credentials/v0", None)
    assert info.value.code == "loader.url_not_allowed"


def test_a_credential_naming_an_unbundled_context_cannot_be_signed() -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
    }
    with pytest.raises(ShikakuError) as info:
        di.sign(
            credential,
            suite="ecdsa-rdfc-2019",
            signer=generate_key("p256"),
            loader=default_loader(),
        )
    assert info.value.code == "loader.url_not_allowed"


def test_a_bundled_context_is_never_replaced() -> None:
    url = next(iter(BUNDLED))
    with pytest.raises(LoaderError):
        default_loader().with_documents({url: {"@context": {}}})


@given(st.binary(max_size=80))
def test_codecs_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data
    assert b58decode(b58encode(data)) == data
    assert multibase_decode(multibase_encode(data, "z")) == data
    assert multibase_decode(multibase_encode(data, "u")) == data


@pytest.mark.parametrize("bad", ["a=", "ab+c", "a", "ab c", "YR"])
def test_bad_base64url_is_refused(bad: str) -> None:
    with pytest.raises(CodecError):
        b64url_decode(bad)


def test_unknown_multibase_prefix_is_refused() -> None:
    with pytest.raises(CodecError) as info:
        multibase_decode("mAAAA")
    assert info.value.code == "codec.multibase_unsupported"


@pytest.mark.parametrize("kind", ["p256", "p384", "ed25519"])
def test_multikey_and_did_key_round_trip(kind: str) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    multikey = encode_multikey_public(key.public_key)
    assert encode_multikey_public(decode_multikey_public(multikey)) == multikey
    did = f"did:key:{multikey}"
    method = resolve_verification_method(f"{did}#{multikey}")
    assert method.controller == did
    assert resolve_did_document(did)["assertionMethod"] == [f"{did}#{multikey}"]


def test_known_did_key_prefixes() -> None:
    assert encode_multikey_public(generate_key("p256").public_key).startswith("zDn")
    assert encode_multikey_public(generate_key("ed25519").public_key).startswith("z6Mk")


def test_did_jwk_resolves_and_refuses_private_keys() -> None:
    key = generate_key("p256")
    did = did_jwk_from_public_key(key.public_key)
    method = resolve_verification_method(f"{did}#0")
    assert method.type == "JsonWebKey" and method.controller == did
    leaked = "did:jwk:" + b64url_encode(json.dumps(key.private_jwk()).encode())
    with pytest.raises(DidError):
        resolve_verification_method(f"{leaked}#0")


def test_did_web_document_for_a_board() -> None:
    did = did_web_from_url("https://kangoshi.registry.example:8443/boards/mhlw")
    assert did == "did:web:kangoshi.registry.example%3A8443:boards:mhlw"
    p256, ed = generate_key("p256"), generate_key("ed25519")
    document = build_did_web_document(did, [("p256-1", p256.public_key), ("ed-1", ed.public_key)])
    assert document["assertionMethod"] == [f"{did}#p256-1", f"{did}#ed-1"]
    methods = {m["id"]: m for m in document["verificationMethod"]}
    assert methods[f"{did}#p256-1"]["publicKeyMultibase"] == encode_multikey_public(p256.public_key)
    with pytest.raises(DidError):
        did_web_from_url("http://insecure.example")


def test_unsupported_did_methods_are_refused_offline() -> None:
    with pytest.raises(DidError) as info:
        resolve_verification_method("did:web:example.com#key-1")
    assert info.value.code == "did.method_unsupported"


@given(st.binary(min_size=1, max_size=40), st.integers(1, 15))
def test_non_canonical_base64url_is_refused(data: bytes, bits: int) -> None:
    text = b64url_encode(data)
    assume(len(text) % 4 != 0)  # Full groups have no unused bits.
    mask = 0b1111 if len(text) % 4 == 2 else 0b11
    assume(bits & mask)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(text[-1]) | (bits & mask)
    with pytest.raises(CodecError):
        b64url_decode(text[:-1] + alphabet[last])
