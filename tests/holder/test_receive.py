"""Reading a received credential: its form, qualification, issuer and binding, and the issuer's
signature checked offline where it can be — and said to be unchecked where it cannot."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.samples import jp_sample_credential
from holder.receive import document_of, examine
from issuer.jose_forms import HolderBinding
from issuer.service import Issuer
from vc_core import di
from vc_core.did import did_jwk_from_public_key, did_key_from_public_key
from vc_core.errors import ShikakuError
from vc_core.jose.jws import sign_jws
from vc_core.keys import generate_key, jwk_thumbprint, public_jwk
from vc_schemas.registry import loader as schemas_loader
from vc_schemas.sd_jwt_vc import vct_for

BOARD = generate_key("p256")
BOARD_DID = did_key_from_public_key(BOARD.public_key)
HOLDER = generate_key("p256")
HOLDER_THUMBPRINT = jwk_thumbprint(public_jwk(HOLDER.public_key))
JOSE_FORMS = ("dc+sd-jwt", "vc+sd-jwt", "vc+jwt")
DI_FORMS = ("ecdsa-rdfc-2019", "ecdsa-sd-2023")


def _issue(form: str, *, issuer: str = BOARD_DID, signer: Any = BOARD) -> str:
    credential = jp_sample_credential(issuer=issuer)
    credential["credentialSubject"]["id"] = did_jwk_from_public_key(HOLDER.public_key)
    holder = HolderBinding.of_key(HOLDER.public_key) if form in JOSE_FORMS else None
    secured = Issuer(signer).issue(credential, form=form, holder=holder).secured
    return secured if isinstance(secured, str) else json.dumps(secured, ensure_ascii=False)


@pytest.mark.parametrize("form", JOSE_FORMS + DI_FORMS)
def test_every_form_the_issuer_makes_is_read_and_its_signature_checked(form: str) -> None:
    received = examine(_issue(form))
    assert received.qualification == "kangoshi"
    assert received.issuer == BOARD_DID
    assert received.issuer_name  # the issuer profile's name, or the licensing authority's
    assert received.signature.outcome == "verified"
    assert received.signature.key is not None and received.signature.key.startswith(BOARD_DID)
    assert received.binding.mode == "wallet" and received.binding.thumbprint == HOLDER_THUMBPRINT
    subject = received.document["credentialSubject"]
    assert subject["licenseNumber"] == "1234567" and subject["registeredDomicilePrefecture"]
    assert document_of(received.body, str(received.format)) == received.document


def test_an_sd_jwt_vc_names_the_licensing_authority_and_decodes_its_disclosures() -> None:
    received = examine(_issue("dc+sd-jwt"))
    assert received.issuer_name == "厚生労働大臣"  # an SD-JWT VC carries no issuer name
    subject = received.document["credentialSubject"]
    assert subject["familyName"] == "山田" and subject["registeredSex"] == "2"
    assert not {"iss", "cnf", "vct", "iat", "_sd", "_sd_alg"} & set(subject)


def test_a_w3c_jwt_without_cnf_is_bound_to_its_subjects_did() -> None:
    credential = jp_sample_credential(issuer=BOARD_DID)
    credential["credentialSubject"]["id"] = did_jwk_from_public_key(HOLDER.public_key)
    secured = Issuer(BOARD).issue(credential, form="vc+jwt").secured
    assert isinstance(secured, str)
    binding = examine(secured).binding
    assert binding.mode == "wallet" and binding.thumbprint == HOLDER_THUMBPRINT
    credential["credentialSubject"]["id"] = "did:example:holder"
    secured = Issuer(BOARD).issue(credential, form="vc+jwt").secured
    assert isinstance(secured, str)
    unbound = examine(secured).binding
    assert unbound.mode is None and unbound.subject == "did:example:holder"


def test_a_card_bound_credential_names_the_card() -> None:
    card_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    binding = HolderBinding(public_jwk(card_key), x5t_s256="x5t-of-the-card-certificate")
    secured = Issuer(BOARD).issue(
        jp_sample_credential(issuer=BOARD_DID), form="dc+sd-jwt", holder=binding
    )
    assert isinstance(secured.secured, str)
    received = examine(secured.secured)
    assert received.binding.mode == "card"
    assert received.binding.certificate == "x5t-of-the-card-certificate"


@pytest.mark.parametrize("form", ["dc+sd-jwt", "ecdsa-rdfc-2019"])
def test_an_issuer_not_tied_to_the_key_offline_is_key_unbound(form: str) -> None:
    received = examine(_issue(form, issuer="did:web:kangoshi.mhlw.example.jp"))
    assert received.signature.outcome == "key_unbound"
    assert received.signature.key is not None and received.signature.key.startswith(BOARD_DID)


def test_a_key_that_cannot_be_resolved_offline_leaves_the_check_unmade() -> None:
    web_key = "did:web:kangoshi.mhlw.example.jp#key-1"
    credential = jp_sample_credential(issuer="did:web:kangoshi.mhlw.example.jp")
    signed = di.sign(
        credential,
        suite="ecdsa-rdfc-2019",
        signer=BOARD,
        loader=schemas_loader(),
        verification_method=web_key,
    )
    received = examine(json.dumps(signed, ensure_ascii=False))
    assert received.signature.outcome == "not_checked"
    assert received.signature.code == "did.method_unsupported"
    payload = {
        "iss": "did:web:kangoshi.mhlw.example.jp",
        "vct": vct_for("kangoshi"),
        "iat": 1_780_000_000,
    }
    token = sign_jws({"typ": "dc+sd-jwt", "kid": web_key}, payload, BOARD) + "~"
    jose = examine(token)
    assert jose.signature.outcome == "not_checked" and jose.qualification == "kangoshi"


@pytest.mark.parametrize("form", ["dc+sd-jwt", "ecdsa-rdfc-2019"])
def test_a_did_key_issuer_signed_for_by_another_key_is_refused(form: str) -> None:
    with pytest.raises(ShikakuError) as raised:
        examine(_issue(form, signer=generate_key("p256")))
    assert raised.value.code in ("jose.issuer_mismatch", "trust.key_mismatch")


def test_what_is_not_a_credential_is_refused_with_its_code() -> None:
    for text in ("hello", '{"a": 1}', '{"@context": [], "type": "VerifiablePresentation"}'):
        with pytest.raises(ShikakuError) as raised:
            examine(text)
        assert raised.value.code == "wallet.not_a_credential"


_SD_JWT = _issue("dc+sd-jwt")
_ORIGINAL = examine(_SD_JWT).document
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


@settings(max_examples=150, deadline=None)
@given(at=st.integers(0, len(_SD_JWT) - 1), char=st.sampled_from(_ALPHABET))
def test_any_change_to_an_sd_jwt_is_refused_or_changes_nothing(at: int, char: str) -> None:
    changed = _SD_JWT[:at] + char + _SD_JWT[at + 1 :]
    try:
        received = examine(changed)
    except ShikakuError:
        return
    # A change base64url decoding ignores (a last character's unused bits) changes nothing; a
    # header whose kid no longer resolves offline is "not checked" — never "verified".
    if received.signature.outcome == "not_checked":
        assert received.signature.code is not None
    else:
        assert received.document == _ORIGINAL and received.signature.outcome == "verified"


_HTTPS_ISSUER = "https://kangoshi.mhlw.example.jp"


def _metadata_signed(signer: Any = BOARD, kid: str = "board-1") -> str:
    """A dc+sd-jwt whose issuer is a URL and whose kid names a key of its JWT VC Issuer
    Metadata (draft-ietf-oauth-sd-jwt-vc §5), as an issuer other than shikaku makes them."""
    payload = {"iss": _HTTPS_ISSUER, "vct": vct_for("kangoshi"), "iat": 1_780_000_000}
    return sign_jws({"typ": "dc+sd-jwt", "kid": kid}, payload, signer) + "~"


def _metadata(issuer: str = _HTTPS_ISSUER) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "jwks": {"keys": [{**public_jwk(BOARD.public_key), "kid": "board-1"}]},
    }


def test_a_url_issuers_key_is_read_from_its_metadata_when_the_caller_can_fetch_it() -> None:
    asked: list[str] = []

    def fetch(issuer: str) -> dict[str, Any]:
        asked.append(issuer)
        return _metadata()

    received = examine(_metadata_signed(), issuer_metadata=fetch)
    assert asked == [_HTTPS_ISSUER]
    assert received.signature.outcome == "verified"
    assert received.signature.key == f"{_HTTPS_ISSUER}#board-1"
    # Offline (a file added by hand, a credential shown again), the check is not made.
    offline = examine(_metadata_signed())
    assert offline.signature.outcome == "not_checked"
    assert offline.signature.code == "jose.key_unresolved"
    unreachable = examine(_metadata_signed(), issuer_metadata=lambda _: None)
    assert unreachable.signature.outcome == "not_checked"


@pytest.mark.parametrize(
    ("token", "metadata"),
    [
        (_metadata_signed(signer=generate_key("p256")), _metadata()),  # another key signed
        (_metadata_signed(kid="board-2"), _metadata()),  # a key the issuer does not publish
        (_metadata_signed(), _metadata("https://other.example.jp")),  # another's metadata
    ],
)
def test_a_signature_the_issuers_metadata_does_not_bear_out_is_refused(
    token: str, metadata: dict[str, Any]
) -> None:
    with pytest.raises(ShikakuError) as raised:
        examine(token, issuer_metadata=lambda _: metadata)
    assert raised.value.code in ("jose.signature_invalid", "trust.key_mismatch")
