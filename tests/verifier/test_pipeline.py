"""Issue 9: one pipeline that fails closed, for every form; each attack refused with its code.

Attacks (the issue's numbering): 1 a forged issuer, 2 a status nobody looked at, 3 a
selective disclosure that hides its status entry, 4 a replayed presentation, 5 a KB-JWT with
a garbage certificate; and an unknown issuer, an issuer not authorised for the qualification,
an unreachable status list, revoked, suspended.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from holder.wallet import Wallet
from issuer.jose_forms import HolderBinding
from issuer.securing import secure
from tests.verifier.world import AUDIENCE, T0, WHY, World, make_world
from vc_core import di
from vc_core.keys import generate_key
from vc_schemas.registry import loader as schemas_loader
from verifier.pipeline import verify
from verifier.policy import CheckName, VerifyOptions
from verifier.result import VerificationResult
from verifier.status import FetchPolicy, StatusChecker, StatusListFetcher
from verifier.trust import TrustedIssuer, TrustRegistry


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = make_world(tmp_path)
    yield made
    made.registry.close()


def outcomes(result: VerificationResult) -> dict[str, tuple[str, str | None]]:
    return {c.name: (c.outcome, c.code) for c in result.verdict.checks}


def failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.name: c.code for c in result.verdict.checks if c.ok is False}


# -- What passes ----------------------------------------------------------------------------------


def test_a_presented_credential_passes_every_check(world: World) -> None:
    nonce = world.challenge()
    result = verify(world.vp(world.signed(), nonce=nonce), world.policy)
    assert failed(result) == {}
    assert result.outcome == "verified", outcomes(result)
    assert result.issuer is not None and result.issuer.name_ja == "厚生労働大臣"
    assert result.qualification is not None and result.qualification.name_ja == "看護師"
    assert result.status is not None and result.status.state == "valid"
    assert result.holder == world.holder_did


def test_a_presented_sd_jwt_passes_every_check(world: World) -> None:
    sd_jwt, _ = world.sd_jwt()
    result = verify(world.present(sd_jwt, nonce=world.challenge()), world.policy)
    assert failed(result) == {}, outcomes(result)
    assert result.verified
    assert result.subject["licenseNumber"] == "1234567"
    assert "dateOfBirth" not in result.subject  # Never a field that was not disclosed.


def test_proof_only_is_what_the_conformance_suites_ask(world: World) -> None:
    credential = world.signed()
    credential_by_other = dict(credential, issuer={"id": "did:web:registry.example"})
    result = verify(credential_by_other, world.policy, VerifyOptions.of(checks=["proof"]))
    assert result.outcome == "not_verified"  # The issuer changed: the proof no longer holds.
    result = verify(credential, world.policy, VerifyOptions.of(checks=["proof"]))
    assert result.verified
    skipped = [c.name for c in result.verdict.checks if c.outcome == "not_requested"]
    assert "status" in skipped and "issuer_trust" in skipped


def test_a_policy_that_requires_less_runs_only_what_it_requires_when_asked_nothing(
    world: World,
) -> None:
    """A conformance deployment (``required_checks`` = the proof and the data model) answers a
    request without options.checks as it would ``checks: ["proof"]``; the employer policy,
    which requires everything, still runs everything."""
    everything = verify(world.signed(), world.policy)
    assert not [c for c in everything.verdict.checks if c.outcome == "not_requested"]
    result = verify(world.signed(), world.policy.proof_only())
    assert result.verified
    skipped = {c.name for c in result.verdict.checks if c.outcome == "not_requested"}
    assert {"status", "issuer_trust", "schema", "holder_binding"} <= skipped


# -- Attack 1: a forged issuer --------------------------------------------------------------------


def test_attack1_a_did_web_issuer_signed_by_a_fresh_key_is_refused(world: World) -> None:
    forger = generate_key("p256")
    credential = world.unsigned()
    credential["issuer"]["id"] = "did:web:registry.example"
    signed = secure(credential, form="ecdsa-rdfc-2019", signer=forger, loader=schemas_loader())
    assert isinstance(signed, dict)
    result = verify(world.vp(signed, nonce=world.challenge()), world.policy)
    assert failed(result)["issuer_binding"] in ("trust.key_mismatch", "trust.resolution_failed")
    assert failed(result)["issuer_trust"] == "trust.issuer_unknown"
    assert not result.verified


def test_attack1_unknown_issuer_is_refused_in_every_form(world: World) -> None:
    world.policy = world.policy.replace(trust=TrustRegistry())
    assert failed(verify(world.vp(world.signed(), nonce=world.challenge()), world.policy))[
        "issuer_trust"
    ] == ("trust.issuer_unknown")
    sd_jwt, _ = world.sd_jwt()
    result = verify(world.present(sd_jwt, nonce=world.challenge()), world.policy)
    assert failed(result)["issuer_trust"] == "trust.issuer_unknown"


def test_an_issuer_not_authorised_for_the_qualification_is_refused(world: World) -> None:
    only_doctors = TrustedIssuer(
        id=world.issuer, name_ja="厚生労働大臣", name_en="MHLW", qualifications=frozenset({"ishi"})
    )
    world.policy = world.policy.replace(trust=TrustRegistry([only_doctors]))
    result = verify(world.vp(world.signed(), nonce=world.challenge()), world.policy)
    assert failed(result) == {"issuer_trust": "trust.not_authorized"}
    sd_jwt, _ = world.sd_jwt()
    result = verify(world.present(sd_jwt, nonce=world.challenge()), world.policy)
    assert failed(result) == {"issuer_trust": "trust.not_authorized"}


def test_without_a_trust_registry_the_employer_policy_cannot_verify(world: World) -> None:
    world.policy = world.policy.replace(trust=None)
    result = verify(world.vp(world.signed(), nonce=world.challenge()), world.policy)
    assert failed(result) == {"issuer_trust": "verify.check_unavailable"}
    assert result.outcome == "error"


# -- Attack 2: status nobody looked at ------------------------------------------------------------


def test_attack2_a_revoked_credential_is_refused_in_every_form(world: World) -> None:
    credential = world.signed()
    world.registry.revoke(credential_id=credential["id"], **WHY)
    result = verify(world.vp(credential, nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.revoked"}
    assert result.status is not None and result.status.state == "revoked"
    sd_jwt, credential_id = world.sd_jwt()
    world.registry.revoke(credential_id=credential_id, **WHY)
    result = verify(world.present(sd_jwt, nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.revoked"}


def test_a_suspended_credential_is_refused_with_its_reason(world: World) -> None:
    credential = world.signed()
    world.registry.suspend(credential_id=credential["id"], code=1, **WHY)
    result = verify(world.vp(credential, nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.suspended"}
    assert result.status is not None
    assert result.status.state == "suspended"
    assert result.status.reason is not None and "業務停止" in result.status.reason


def test_a_suspended_sd_jwt_is_refused(world: World) -> None:
    """The token names its suspension entry beside the revocation list (issuer.jose_forms)."""
    sd_jwt, credential_id = world.sd_jwt()
    world.registry.suspend(credential_id=credential_id, **WHY)
    result = verify(world.present(sd_jwt, nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.suspended"}
    assert result.status is not None and result.status.state == "suspended"
    world.registry.reinstate(credential_id=credential_id, **WHY)
    assert world.policy.status is not None
    world.policy.status.cache.clear()  # A verifier sees the change once its cached copy expires.
    assert verify(world.present(sd_jwt, nonce=world.challenge()), world.policy).verified


def test_a_scheduled_suspension_shows_its_dates_then_lifts(world: World) -> None:
    """業務停止 for three months: refused with reason and dates, valid again after its end."""
    credential = world.signed()
    start, end = T0 + timedelta(days=1), T0 + timedelta(days=92)
    world.registry.suspend(credential_id=credential["id"], starts_at=start, ends_at=end, **WHY)
    world.clock.set(start)
    world.registry.tick()
    result = verify(world.vp(credential, nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.suspended"}
    assert result.status is not None
    assert (result.status.since, result.status.until) == ("2026-06-02", "2026-09-01")
    assert result.status.legal_basis == WHY["legal_basis"]
    world.clock.set(end)
    world.registry.tick()
    assert verify(world.vp(credential, nonce=world.challenge()), world.policy).verified


def test_attack2_a_credential_without_status_is_refused(world: World) -> None:
    credential = world.signed(status=False)
    result = verify(world.vp(credential, nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.entry_missing"}
    sd_jwt, _ = world.sd_jwt(status=False)
    result = verify(world.present(sd_jwt, nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.entry_missing"}


def test_attack2_without_a_status_checker_the_employer_policy_cannot_verify(world: World) -> None:
    world.policy = world.policy.replace(status=None)
    result = verify(world.vp(world.signed(), nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "verify.check_unavailable"}
    assert result.outcome == "error"


def test_an_unreachable_status_list_cannot_verify(world: World) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fetcher = StatusListFetcher(
        FetchPolicy(allow=("https://status.example.jp/",)),
        transport=httpx.MockTransport(down),
        now=world.clock,
    )
    world.policy = world.policy.replace(status=StatusChecker(fetcher, now=world.clock))
    result = verify(world.vp(world.signed(), nonce=world.challenge()), world.policy)
    assert failed(result) == {"status": "status.list_unreachable"}
    assert result.outcome == "error"
    assert result.status is None or result.status.state == "unknown"


# -- Attack 3: selective disclosure that hides the status -----------------------------------------


def test_attack3_a_base_proof_makes_issuer_and_status_mandatory(world: World) -> None:
    base = world.signed("ecdsa-sd-2023")
    derived = di.derive(
        base, selective_pointers=["/credentialSubject/licenseNumber"], loader=schemas_loader()
    )
    assert "credentialStatus" in derived and "issuer" in derived
    result = verify(world.vp(derived, nonce=world.challenge()), world.policy)
    assert failed(result) == {}, outcomes(result)


def test_attack3_a_derived_credential_without_its_status_entry_is_refused(world: World) -> None:
    unsigned = world.unsigned()
    base = di.sign(
        unsigned,
        suite="ecdsa-sd-2023",
        signer=world.key,
        loader=schemas_loader(),
        mandatory_pointers=["/issuer"],  # The raw primitive lets a careless caller do this.
    )
    derived = di.derive(
        base, selective_pointers=["/credentialSubject/licenseNumber"], loader=schemas_loader()
    )
    assert "credentialStatus" not in derived
    result = verify(world.vp(derived, nonce=world.challenge()), world.policy)
    assert failed(result)["status"] == "status.entry_missing"


# -- Attack 4: replay -----------------------------------------------------------------------------


def test_attack4_a_replayed_presentation_is_refused_in_every_form(world: World) -> None:
    presentation = world.vp(world.signed(), nonce=world.challenge())
    assert verify(presentation, world.policy).verified
    assert failed(verify(presentation, world.policy)) == {"nonce": "nonce.reused"}
    sd_jwt, _ = world.sd_jwt()
    presented = world.present(sd_jwt, nonce=world.challenge())
    assert verify(presented, world.policy).verified
    assert failed(verify(presented, world.policy)) == {"nonce": "nonce.reused"}


def test_a_nonce_we_never_issued_is_refused(world: World) -> None:
    result = verify(world.vp(world.signed(), nonce="made-up-by-the-holder"), world.policy)
    assert failed(result) == {"nonce": "nonce.unknown"}


def test_a_nonce_issued_for_another_verifier_is_refused(world: World) -> None:
    nonce = world.challenge("https://other.example")
    result = verify(world.vp(world.signed(), nonce=nonce), world.policy)
    assert failed(result) == {"nonce": "nonce.mismatch"}


def test_a_bare_credential_is_refused_by_the_employer_policy(world: World) -> None:
    assert failed(verify(world.signed(), world.policy)) == {
        "holder_binding": "holder.binding_missing"
    }
    sd_jwt, _ = world.sd_jwt()
    assert failed(verify(sd_jwt, world.policy)) == {"holder_binding": "holder.binding_missing"}


def test_another_holders_presentation_is_refused(world: World) -> None:
    thief = generate_key("p256")
    presentation = world.vp(world.signed(), nonce=world.challenge(), signer=thief)
    assert failed(verify(presentation, world.policy)) == {
        "holder_binding": "holder.subject_mismatch"
    }


# -- vp+jwt: W3C credentials presented with a JOSE holder proof -----------------------------------


def test_a_vp_jwt_presentation_verifies_once(world: World) -> None:
    wallet = Wallet(world.holder, clock=world.clock)
    credential = world.signed(subject=wallet.did)
    presented = wallet.present([credential], nonce=world.challenge(), audience=AUDIENCE, jose=True)
    assert isinstance(presented, str)
    result = verify(presented, world.policy)
    assert result.format == "vp+jwt" and failed(result) == {}, outcomes(result)
    assert result.holder == wallet.did
    assert failed(verify(presented, world.policy)) == {"nonce": "nonce.reused"}


def test_a_vp_jwt_of_someone_elses_credential_is_refused(world: World) -> None:
    thief = Wallet(generate_key("p256"), clock=world.clock)
    credential = world.signed()  # Issued to world.holder, presented by the thief.
    presented = thief.present([credential], nonce=world.challenge(), audience=AUDIENCE, jose=True)
    assert failed(verify(presented, world.policy)) == {"holder_binding": "holder.subject_mismatch"}


def test_attack1_an_sd_jwt_naming_the_board_but_signed_by_another_key_is_refused(
    world: World,
) -> None:
    forger = generate_key("p256")
    credential = world.unsigned(status=False)
    credential["issuer"] = {"id": world.issuer, "type": ["Profile"], "name": "厚生労働大臣"}
    forged = secure(
        credential,
        form="dc+sd-jwt",
        signer=forger,
        loader=schemas_loader(),
        clock=world.clock,
        holder=HolderBinding.of_key(world.holder.public_key),
    )
    assert isinstance(forged, str)
    result = verify(world.present(forged, nonce=world.challenge()), world.policy)
    assert failed(result)["issuer_binding"] in ("jose.issuer_mismatch", "trust.key_mismatch")
    assert result.outcome == "not_verified"  # Forged is 無効, not "could not verify".


def test_a_presentation_that_names_no_audience_is_refused(world: World) -> None:
    """A nonce is bound to whom it was issued for; a proof for nobody in particular could be
    relayed here from anywhere."""
    presentation = world.vp(world.signed(), nonce=world.challenge())
    del presentation["proof"]["domain"]  # Re-sign without a domain:
    unsigned = {k: v for k, v in presentation.items() if k != "proof"}
    resigned = di.sign(
        unsigned,
        suite="ecdsa-rdfc-2019",
        signer=world.holder,
        loader=schemas_loader(),
        verification_method=f"{world.holder_did}#0",
        proof_purpose="authentication",
        challenge=presentation["proof"]["challenge"],
        now=world.clock,
    )
    assert failed(verify(resigned, world.policy)) == {"nonce": "kb.malformed"}


def test_a_tampered_credential_is_not_verified_rather_than_unverifiable(world: World) -> None:
    """A signature that does not verify settles it: 無効, with nothing 'could not run'."""
    credential = world.signed()
    credential["credentialSubject"]["licenseNumber"] = "0000000"
    result = verify(world.vp(credential, nonce=world.challenge()), world.policy)
    assert failed(result) == {"proof": "proof.invalid_signature"}
    assert result.outcome == "not_verified"


def test_vc_api_check_names_of_other_implementations_are_understood() -> None:
    """The W3C Bitstring Status List suite asks for ``credentialStatus``: shikaku's ``status``."""
    options = VerifyOptions.of(checks=["proof", "credentialStatus", "expiration"])
    assert options.checks == frozenset(
        {CheckName.FORMAT, CheckName.PROOF, CheckName.STATUS, CheckName.VALIDITY}
    )


def test_a_presentation_with_no_credential_proves_only_its_holder(world: World) -> None:
    """VCDM 2.0 allows a presentation without credentials. A conformance deployment checks its
    data model and the holder's proof; the employer policy, which asks who issued what, refuses
    it (verify.presentation_empty)."""
    empty = world.vp(nonce=world.challenge())
    conformance = world.policy.requiring(
        [CheckName.DATA_MODEL, CheckName.PROOF, CheckName.VALIDITY]
    )
    assert verify(empty, conformance).verified
    broken = dict(empty, type=["Presentation"])
    assert not verify(broken, conformance).verified
    refused = verify(empty, world.policy)
    assert not refused.verified
    assert "verify.presentation_empty" in {c.code for c in refused.verdict.checks}
