"""One register record, three JOSE forms, every qualification: issue, present, verify.

- Every catalogue entry is issued as ``dc+sd-jwt``, ``vc+sd-jwt`` and ``vc+jwt`` from the
  sample register record, presented with the ``employer`` request profile (the SD forms) and
  verified by the full pipeline, schema and catalogue checks included, to exactly what was
  chosen.
- The disclosed payload is checked against the qualification's schema: a token an issuer
  signed with a licence number of the wrong form, or with a field the profile forbids, is
  refused (``schema.credential_invalid``, ``schema.address``).
- Status goes through the Token Status List the registry publishes: revoking the
  credential makes ``status.token`` fail with ``status.revoked``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from holder.present import hidden_requested, present
from issuer.jose_forms import (
    HolderBinding,
    TokenStatus,
    issue_jose_credential,
    issue_jose_from_record,
)
from tests.verifier.conftest import Board, Clock
from vc_core.di import default_verification_method
from vc_core.errors import SchemaError
from vc_core.keys import generate_key
from vc_core.sdjwt import issue_sd_jwt_vc, parse_sd_jwt
from vc_core.verdict import Check
from vc_schemas.builder import IssuerProfile
from vc_schemas.catalogue import default_catalogue
from vc_schemas.policy import disclosure_policy
from vc_schemas.samples import SAMPLE_ISSUER, sample_credential, sample_record
from vc_schemas.sd_jwt_vc import qualification_of_vct, sd_jwt_vc_claims, vct_for
from verifier.jose import JoseVerification, detect_form, verify_jose
from verifier.status import StatusChecker

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
NONCE = "employer-nonce-1"
AUDIENCE = "https://clinic.example/hire"
ISSUER = generate_key("p256")
HOLDER = generate_key("p256")
KID = default_verification_method(ISSUER)
IDS = [entry.id for entry in default_catalogue()]


def _failed(result: JoseVerification) -> dict[str, str | None]:
    return {c.name: c.code for c in result.verdict.checks if c.ok is False}


def _check(result: JoseVerification, name: str) -> Check:
    return next(c for c in result.verdict.checks if c.name == name)


def _issue(qualification: str, form: Any, **kwargs: Any) -> str:
    options: dict[str, Any] = {
        "form": form,
        "signer": ISSUER,
        "kid": KID,
        "now": NOW - timedelta(days=1),
        "holder": HolderBinding.of_key(HOLDER.public_key),
    }
    options.update(kwargs)
    return issue_jose_credential(sample_credential(qualification), **options)


def test_vct_is_a_stable_url_per_qualification() -> None:
    assert vct_for("kangoshi") == "https://w3id.org/shikaku/jp-nq/vct/kangoshi"
    assert qualification_of_vct(vct_for("kangoshi")) == "kangoshi"
    assert qualification_of_vct("urn:eudi:pid:1") is None
    assert len({vct_for(q) for q in IDS}) == len(IDS) == 99
    with pytest.raises(SchemaError):
        vct_for("../etc")


@pytest.mark.parametrize("qualification", IDS)
def test_every_qualification_as_dc_sd_jwt_for_an_employer(qualification: str) -> None:
    credential = sample_credential(qualification)
    issued = _issue(qualification, "dc+sd-jwt", status=TokenStatus("https://s.example/1", 9))
    policy = disclosure_policy(qualification)
    wanted = [p.removeprefix("/credentialSubject") for p in policy.request("employer").pointers]
    presented = present(
        issued,
        disclose=wanted,
        signer=HOLDER,
        nonce=NONCE,
        audience=AUDIENCE,
        now=NOW,
    )
    result = verify_jose(presented, now=NOW, nonce=NONCE, audience=AUDIENCE)
    assert result.form == "dc+sd-jwt"
    assert result.verdict.verified, result.verdict.to_json()
    assert result.claims is not None
    subject = credential["credentialSubject"]
    disclosed = {k for k in result.claims if k in subject}
    assert disclosed == {"achievement", *(p.lstrip("/") for p in wanted if p[1:] in subject)}
    assert result.claims["vct"] == vct_for(qualification)
    assert result.claims["nbf"] == int(datetime.fromisoformat(credential["validFrom"]).timestamp())
    assert ("exp" in result.claims) == ("validUntil" in credential)
    assert result.claims["status"] == {"status_list": {"idx": 9, "uri": "https://s.example/1"}}
    assert _check(result, "schema").ok is True


@pytest.mark.parametrize("qualification", IDS)
def test_every_qualification_in_the_w3c_jose_forms(qualification: str) -> None:
    vc_jwt = _issue(qualification, "vc+jwt")
    result = verify_jose(vc_jwt, now=NOW)
    assert (result.form, result.verdict.verified) == ("vc+jwt", True), result.verdict.to_json()
    assert result.claims is not None
    assert (
        result.claims["credentialSubject"] == sample_credential(qualification)["credentialSubject"]
    )
    vc_sd_jwt = _issue(qualification, "vc+sd-jwt")
    presented = present(
        vc_sd_jwt,
        disclose=disclosure_policy(qualification).request("employer").pointers,
        signer=HOLDER,
        nonce=NONCE,
        audience=AUDIENCE,
        now=NOW,
    )
    result = verify_jose(presented, now=NOW, nonce=NONCE, audience=AUDIENCE)
    assert (result.form, result.verdict.verified) == ("vc+sd-jwt", True), result.verdict.to_json()
    assert result.claims is not None
    assert "dateOfBirth" not in result.claims["credentialSubject"]


def test_issuing_from_the_register_record() -> None:
    entry = default_catalogue().get("kangoshi")
    token = issue_jose_from_record(
        sample_record(entry),
        issuer=SAMPLE_ISSUER,
        form="dc+sd-jwt",
        signer=ISSUER,
        kid=KID,
        now=NOW,
        holder=HolderBinding.of_key(HOLDER.public_key),
    )
    result = verify_jose(token, now=NOW)
    assert result.verdict.verified, result.verdict.to_json()
    # As issued, the holder's copy carries every Disclosure; no KB-JWT was asked for.
    assert result.claims is not None and result.claims["licenseNumber"] == "123456"
    assert _check(result, "sd_jwt.key_binding").ok is None
    bare = parse_sd_jwt(token).with_disclosures([])
    shown = verify_jose(bare.compact(), now=NOW).claims
    assert shown is not None and "licenseNumber" not in shown and "achievement" in shown


def test_the_policy_decides_what_is_concealed_and_what_stays_visible() -> None:
    mapped = sd_jwt_vc_claims(sample_credential("ishi"))
    assert "/licenseNumber" in mapped.sd_pointers
    assert "/registeredDomicilePrefecture" in mapped.sd_pointers
    assert {"/completedTraining", "/completedTraining/0"} <= set(mapped.sd_pointers)
    assert not any(p.startswith("/achievement") for p in mapped.sd_pointers)
    payload = parse_sd_jwt(_issue("ishi", "dc+sd-jwt")).jwt
    assert "licenseNumber" not in str(payload)
    issued = _issue("ishi", "dc+sd-jwt")
    assert hidden_requested(issued, ["/licenseNumber", "/registeredDomicilePrefecture"]) == [
        "/registeredDomicilePrefecture"
    ]


def test_an_invalid_credential_is_not_issued() -> None:
    credential = sample_credential("kangoshi")
    credential["credentialSubject"]["licenseNumber"] = "ABC"
    with pytest.raises(SchemaError):
        issue_jose_credential(credential, form="dc+sd-jwt", signer=ISSUER, kid=KID, now=NOW)


def _signed_claims(**changes: Any) -> str:
    mapped = sd_jwt_vc_claims(sample_credential("kangoshi"))
    claims = {**mapped.claims, "iat": int(NOW.timestamp()), **changes}
    return issue_sd_jwt_vc(claims, [], ISSUER, header={"kid": KID}).compact()


def test_the_disclosed_payload_is_checked_against_the_qualifications_schema() -> None:
    assert verify_jose(_signed_claims(), now=NOW).verdict.verified
    wrong_number = verify_jose(_signed_claims(licenseNumber="第123号"), now=NOW)
    assert _failed(wrong_number) == {"schema": "schema.credential_invalid"}
    unknown = verify_jose(_signed_claims(favouriteColour="blue"), now=NOW)
    assert _failed(unknown) == {"schema": "schema.credential_invalid"}
    address = verify_jose(_signed_claims(homeAddress="東京都千代田区1-1"), now=NOW)
    assert "schema" in _failed(address)
    other_type = verify_jose(_signed_claims(vct=vct_for("ishi")), now=NOW)
    assert _failed(other_type) == {"schema": "schema.credential_invalid"}
    foreign = verify_jose(_signed_claims(vct="urn:eudi:pid:1"), now=NOW)
    assert _failed(foreign)["sd_jwt_vc.claims"] == "sdjwt.vct_invalid"


def test_forms_are_detected_by_content() -> None:
    assert detect_form(_issue("kangoshi", "dc+sd-jwt")) == "dc+sd-jwt"
    assert detect_form(_issue("kangoshi", "vc+sd-jwt")) == "vc+sd-jwt"
    assert detect_form(_issue("kangoshi", "vc+jwt")) == "vc+jwt"
    garbage = verify_jose("hello", now=NOW)
    assert (garbage.form, _failed(garbage)) == ("unknown", {"format": "credential.malformed"})
    refused = verify_jose(_issue("kangoshi", "vc+jwt"), now=NOW, forms=("dc+sd-jwt",))
    assert refused.verdict.outcome == "error"


def test_time_is_checked_on_every_form() -> None:
    later = NOW + timedelta(days=365 * 30)
    for form in ("dc+sd-jwt", "vc+sd-jwt", "vc+jwt"):
        token = _issue("kaigo-shien-senmonin", form)
        result = verify_jose(token, now=later)
        assert not result.verdict.verified
    early = NOW - timedelta(days=400)
    result = verify_jose(_issue("kangoshi", "dc+sd-jwt"), now=early)
    assert _failed(result) == {"jose.validity_period": "jose.not_yet_valid"}
    result = verify_jose(_issue("kangoshi", "vc+jwt"), now=early)
    assert _failed(result)["credential.validity_period"] == "credential.not_yet_valid"


def test_a_revoked_credential_fails_its_token_status(
    board: Board, checker: StatusChecker, clock: Clock
) -> None:
    now = clock.now
    board.issue("urn:uuid:jose-1", purposes=["revocation"])
    (revocation,) = board.registry.entries("urn:uuid:jose-1")
    entry = default_catalogue().get("kangoshi")
    token = issue_jose_from_record(
        sample_record(entry),
        issuer=IssuerProfile(board.issuer, SAMPLE_ISSUER.name),
        form="dc+sd-jwt",
        # The board signs its credentials and its lists with one key, its did:key.
        signer=board.publisher.signer,
        kid=default_verification_method(board.publisher.signer),
        now=now,
        status=TokenStatus.of_entry(revocation),
    )
    key = board.publisher.signer.public_key

    def status(claims: Any) -> Check:
        return checker.check_token(claims, key=key, issuer=board.issuer)

    before = verify_jose(token, now=now, status=status)
    assert before.verdict.verified, [c for c in before.verdict.checks if c.ok is False]
    board.registry.revoke(
        credential_id="urn:uuid:jose-1", reason="免許取消", legal_basis="保助看法第14条", actor="t"
    )
    clock.now = now + timedelta(hours=1)
    result = verify_jose(token, now=clock.now, status=status)
    assert _failed(result) == {"status.token": "status.revoked"}
