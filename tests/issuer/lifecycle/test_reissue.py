"""Orders that issue: 籍訂正 (name or 本籍 change), the register's changed rows, 再免許,
a renewed JPKI certificate, a new device. The replacement is issued and stored under its
order's issuance key, bound as the old one was; the old instance is revoked as superseded."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Literal

import pytest

from issuer.board import Board
from issuer.jose_forms import HolderBinding
from issuer.lifecycle import Lifecycle, OrderOutcome, binding_of, issuance_key
from issuer.status.messages import ReasonCode
from tests.issuer.lifecycle.conftest import (
    ACTOR,
    BASIS,
    SUBJECT,
    first_issue,
    lifecycle_events,
    published,
    published_token,
    record,
)
from vc_core.clock import FixedClock
from vc_core.errors import BoardError, SchemaError
from vc_core.keys import SoftwareKey, generate_key, jwk_thumbprint, public_jwk

RENAME_BASIS = "保健師助産師看護師法施行令第3条"


def _rename(lifecycle: Lifecycle, order_id: str = "n-1", **changes: str) -> OrderOutcome:
    return lifecycle.rename(
        SUBJECT,
        changes or {"family_name": "新姓"},
        legal_basis=RENAME_BASIS,
        actor="kosekika",
        order_id=order_id,
    )


def test_a_name_change_reissues_each_instance_and_supersedes_the_old(
    board: Board, lifecycle: Lifecycle, clock: FixedClock, holder_key: SoftwareKey
) -> None:
    sd = first_issue(board, holder=holder_key)
    di = first_issue(board, form="ecdsa-rdfc-2019", name="di")
    clock.advance(timedelta(days=40))
    outcome = lifecycle.rename(
        SUBJECT,
        {"family_name": "新姓", "family_name_kana": "シンセイ"},
        legal_basis=RENAME_BASIS,
        actor="kosekika",
        order_id="n-1",
    )
    stored = board.store.record(SUBJECT)
    assert stored is not None and stored.version == 2 and stored.record.family_name == "新姓"
    assert sorted(outcome.superseded) == sorted([sd.credential_id, di.credential_id])
    by_form = {i.form: i for i in outcome.issued}
    assert set(by_form) == {"dc+sd-jwt", "ecdsa-rdfc-2019"}
    for new in outcome.issued:
        assert board.store.credential(new.credential_id) == new
        assert new.record_version == 2
        assert published(board, new.credential_id, "revocation") == 0
    new_sd = by_form["dc+sd-jwt"]
    assert new_sd.issuance_key == issuance_key(
        "n-1", "dc+sd-jwt:" + jwk_thumbprint(public_jwk(holder_key.public_key))
    )
    binding = binding_of(new_sd)
    assert binding is not None and binding.jwk == public_jwk(holder_key.public_key)
    old_body, new_body = json.loads(di.body), json.loads(by_form["ecdsa-rdfc-2019"].body)
    assert new_body["credentialSubject"]["licenseNumber"] == "7000001"
    assert new_body["credentialSubject"]["familyName"] == "新姓"
    assert new_body["awardedDate"] == old_body["awardedDate"]
    assert new_body["validFrom"] > old_body["validFrom"]
    for old in (sd, di):
        assert published(board, old.credential_id, "revocation") == 1
        assert published_token(board, old.credential_id, "revocation") == 1
        assert published(board, old.credential_id, "message") == ReasonCode.SUPERSEDED
    [event] = lifecycle_events(board)
    assert event.action == "lifecycle.renamed" and event.legal_basis == RENAME_BASIS
    assert "新姓" not in json.dumps(event.details, ensure_ascii=False)  # Ids only, no names.
    superseded = [a for a in board.registry.audit_log(credential_id=sd.credential_id)]
    assert superseded[-1].action == "revoke" and superseded[-1].new_value == 6


def test_a_retried_name_change_issues_nothing_twice(board: Board, lifecycle: Lifecycle) -> None:
    first_issue(board)
    once = _rename(lifecycle)
    again = _rename(lifecycle)
    assert again.repeated
    assert again.issued == once.issued
    assert len(board.store.credentials_of(SUBJECT)) == 2
    assert len(lifecycle_events(board)) == 1


def test_a_name_change_interrupted_after_issuing_is_finished_once(
    board: Board, lifecycle: Lifecycle
) -> None:
    old = first_issue(board)
    real = board.registry.revoke
    board.registry.revoke = lambda **_: (_ for _ in ()).throw(RuntimeError("killed"))  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        _rename(lifecycle)
    board.registry.revoke = real  # type: ignore[method-assign]
    assert len(board.store.credentials_of(SUBJECT)) == 2  # The new one, stored.
    outcome = _rename(lifecycle)
    assert len(board.store.credentials_of(SUBJECT)) == 2  # Not issued again.
    assert outcome.superseded == (old.credential_id,)
    assert board.registry.status(old.credential_id)["revocation"] == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"license_number": "1"}, "board.event_invalid"),  # Not a 籍訂正 field.
        ({"address": "x"}, "board.event_invalid"),
        ({"family_name": ""}, "schema.record_invalid"),
    ],
)
def test_a_bad_name_change_is_refused_and_changes_nothing(
    board: Board, lifecycle: Lifecycle, changes: dict[str, str], error: str
) -> None:
    old = first_issue(board)
    with pytest.raises((BoardError, SchemaError)) as refused:
        _rename(lifecycle, **changes)
    assert refused.value.code == error
    stored = board.store.record(SUBJECT)
    assert stored is not None and stored.version == 1
    assert board.store.credentials_of(SUBJECT) == (old,)
    assert lifecycle_events(board) == []


def test_a_name_change_that_changes_nothing_is_refused(board: Board, lifecycle: Lifecycle) -> None:
    first_issue(board)
    stored = board.store.record(SUBJECT)
    assert stored is not None
    with pytest.raises(BoardError) as refused:
        _rename(lifecycle, family_name=stored.record.family_name)
    assert refused.value.code == "board.event_invalid"


def test_a_changed_register_row_is_turned_into_a_reissue(
    board: Board, lifecycle: Lifecycle, holder_key: SoftwareKey
) -> None:
    old = first_issue(board, holder=holder_key)
    outcome, stored = board.store.put_record(record("7000001", given_name="新名"), actor="import")
    assert outcome == "changed"
    done = lifecycle.on_record_changed(stored, 1)
    [new] = done.issued
    assert done.superseded == (old.credential_id,) and new.record_version == 2
    assert published(board, old.credential_id, "message") == ReasonCode.SUPERSEDED
    assert lifecycle.on_record_changed(stored, 1).repeated  # The next import run.
    assert len(board.store.credentials_of(SUBJECT)) == 2


# -- 再免許 ----------------------------------------------------------------------------------------


def test_a_relicence_issues_new_credentials_with_new_indexes(
    board: Board, lifecycle: Lifecycle, holder_key: SoftwareKey
) -> None:
    old = first_issue(board, holder=holder_key)
    lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    outcome = lifecycle.relicense(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="re-1")
    assert outcome.standing == "registered"
    [new] = outcome.issued
    old_entries = {e.status_purpose: e for e in board.registry.entries(old.credential_id)}
    for entry in board.registry.entries(new.credential_id):
        assert entry.status_list_index != old_entries[entry.status_purpose].status_list_index
    assert published(board, new.credential_id, "revocation") == 0
    assert published(board, old.credential_id, "revocation") == 1  # Stays revoked.
    binding = binding_of(new)
    assert binding is not None and binding.jwk == public_jwk(holder_key.public_key)
    assert lifecycle.relicense(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="re-1").repeated
    assert len(board.store.credentials_of(SUBJECT)) == 2
    with pytest.raises(BoardError) as refused:  # Registered already.
        lifecycle.relicense(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="re-2")
    assert refused.value.code == "board.event_invalid"


def test_the_deceased_are_not_relicensed(board: Board, lifecycle: Lifecycle) -> None:
    lifecycle.record_death(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="d-1")
    with pytest.raises(BoardError) as refused:
        lifecycle.relicense(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="re-1")
    assert refused.value.code == "board.event_invalid"


# -- JPKI renewal, new device -------------------------------------------------------------------


def test_a_renewed_card_certificate_rebinds_card_instances(
    board: Board, lifecycle: Lifecycle
) -> None:
    card = first_issue(board, holder=generate_key("p256"), mode="card")
    wallet = first_issue(board, holder=generate_key("p256"), mode="wallet", name="w")
    renewed = HolderBinding(public_jwk(generate_key("p256").public_key), "x5t-of-the-new-cert")
    outcome = lifecycle.renew_binding(
        SUBJECT, renewed, "card", actor="enrolment", order_id="jpki-1"
    )
    [new] = outcome.issued
    assert outcome.superseded == (card.credential_id,)
    assert binding_of(new) == renewed and new.holder_mode == "card"
    assert published(board, card.credential_id, "message") == ReasonCode.SUPERSEDED
    assert published(board, wallet.credential_id, "revocation") == 0
    assert lifecycle_events(board)[-1].action == "lifecycle.binding_renewed"


def test_a_renewed_certificate_in_wallet_mode_is_recorded_only(
    board: Board, lifecycle: Lifecycle
) -> None:
    wallet = first_issue(board, holder=generate_key("p256"))
    renewed = HolderBinding.of_key(generate_key("p256").public_key)
    outcome = lifecycle.renew_binding(SUBJECT, renewed, "wallet", actor="enrolment", order_id="j")
    assert outcome.issued == () and outcome.changes == ()
    assert published(board, wallet.credential_id, "revocation") == 0
    [event] = lifecycle_events(board)
    assert event.details["mode"] == "wallet" and event.details["holderKey"]


def test_a_new_device_gets_a_new_instance_and_the_old_is_superseded(
    board: Board, lifecycle: Lifecycle
) -> None:
    old = first_issue(board, holder=generate_key("p256"))
    device = HolderBinding.of_key(generate_key("p256").public_key)
    outcome = lifecycle.replace_instance(
        old.credential_id, binding=device, actor="holder", order_id="dev-1"
    )
    [new] = outcome.issued
    assert binding_of(new) == device and new.form == old.form
    assert published(board, old.credential_id, "revocation") == 1
    assert published(board, old.credential_id, "message") == ReasonCode.SUPERSEDED
    assert lifecycle.replace_instance(
        old.credential_id, binding=device, actor="holder", order_id="dev-1"
    ).repeated
    with pytest.raises(BoardError) as refused:  # Replaced already.
        lifecycle.replace_instance(old.credential_id, actor="holder", order_id="dev-2")
    assert refused.value.code == "board.event_invalid"
    with pytest.raises(BoardError) as unknown:
        lifecycle.replace_instance("urn:uuid:nothing", actor="holder", order_id="dev-3")
    assert unknown.value.code == "board.record_unknown"


def test_a_revoked_licence_gets_no_replacement(board: Board, lifecycle: Lifecycle) -> None:
    old = first_issue(board)
    lifecycle.revoke(SUBJECT, legal_basis=BASIS, actor=ACTOR, order_id="r-1")
    with pytest.raises(BoardError) as refused:
        lifecycle.replace_instance(old.credential_id, actor="holder", order_id="dev-1")
    assert refused.value.code == "board.not_issuable"
    assert len(board.store.credentials_of(SUBJECT)) == 1


def test_two_instances_of_one_form_and_key_get_one_replacement(
    board: Board, lifecycle: Lifecycle, holder_key: SoftwareKey
) -> None:
    """ "For each form the holder had": a re-download left two live copies of one binding."""
    one = first_issue(board, holder=holder_key)
    two = first_issue(board, holder=holder_key, name="again")
    other_key = first_issue(board, holder=generate_key("p256"), name="tablet")
    outcome = _rename(lifecycle)
    assert len(outcome.issued) == 2
    assert set(outcome.superseded) == {
        one.credential_id,
        two.credential_id,
        other_key.credential_id,
    }


@pytest.mark.parametrize(
    ("binding", "mode"),
    [
        (HolderBinding(public_jwk(generate_key("p256").public_key)), "card"),  # No certificate.
        (HolderBinding({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}), "wallet"),
        (HolderBinding({"kty": "nonsense"}), "wallet"),
    ],
)
def test_a_bad_renewed_binding_is_refused(
    board: Board, lifecycle: Lifecycle, binding: HolderBinding, mode: Literal["card", "wallet"]
) -> None:
    old = first_issue(board, holder=generate_key("p256"), mode="card")
    with pytest.raises(BoardError) as refused:
        lifecycle.renew_binding(SUBJECT, binding, mode, actor="enrolment", order_id="j")
    assert refused.value.code == "board.event_invalid"
    assert board.store.credentials_of(SUBJECT) == (old,)
    assert lifecycle_events(board) == []


def test_a_change_whose_hook_never_ran_is_caught_up(board: Board, lifecycle: Lifecycle) -> None:
    old = first_issue(board)
    assert lifecycle.catch_up(SUBJECT) is None  # Current.
    board.store.put_record(record("7000001", given_name="新名"), actor="import")  # No hook.
    done = lifecycle.catch_up(SUBJECT)
    assert done is not None and done.superseded == (old.credential_id,)
    assert lifecycle.catch_up(SUBJECT) is None
    assert len(board.store.credentials_of(SUBJECT)) == 2
