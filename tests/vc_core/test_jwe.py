"""shikaku's ECDH-ES JWE (the wallet's direct_post.jwt) decrypts with jwcrypto."""

from __future__ import annotations

import json

import pytest
from jwcrypto import jwe, jwk

from vc_core.errors import KeyMaterialError
from vc_core.jose.jwe import encrypt_ecdh_es


@pytest.mark.parametrize("enc", ["A128GCM", "A256GCM"])
def test_a_jwe_made_here_decrypts_with_jwcrypto(enc: str) -> None:
    recipient = jwk.JWK.generate(kty="EC", crv="P-256", kid="tx-1")
    public = recipient.export_public(as_dict=True)
    compact = encrypt_ecdh_es({"vp_token": {"q": ["x~y~"]}, "state": "s"}, public, enc=enc)
    token = jwe.JWE()
    token.deserialize(compact, key=recipient)
    assert json.loads(token.payload) == {"vp_token": {"q": ["x~y~"]}, "state": "s"}
    assert token.jose_header["kid"] == "tx-1" and token.jose_header["enc"] == enc


def test_only_p256_recipients_and_offered_encs() -> None:
    rsa = jwk.JWK.generate(kty="RSA", size=2048).export_public(as_dict=True)
    with pytest.raises(KeyMaterialError):
        encrypt_ecdh_es({}, rsa)
    ec = jwk.JWK.generate(kty="EC", crv="P-256").export_public(as_dict=True)
    with pytest.raises(KeyMaterialError):
        encrypt_ecdh_es({}, ec, enc="A192CBC-HS384")
