"""Bulk issuance in one process: each due record once per form, nothing twice, status unique."""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from issuer.board import Board
from issuer.bulk import (
    BulkClaim,
    BulkRun,
    credential_id_of,
    issuance_key,
    issue_all,
    plan_run,
    run_progress,
)
from issuer.jose_forms import HolderBinding
from issuer.register import import_register
from issuer.registers import SAMPLE_REGISTER
from issuer.status.models import EntryRow
from issuer.store import BoardEvent, CredentialRow, IssuedInstance
from vc_core import di
from vc_core.errors import BoardError
from vc_core.keys import generate_key

RECORDS = 18  # The sample register's valid rows.


def _import(board: Board) -> None:
    import_register(board, SAMPLE_REGISTER, profile="kangoshi", actor="test")


def _credentials(board: Board) -> list[CredentialRow]:
    return list(
        board.store.transact(lambda s: list(s.scalars(sa.select(CredentialRow))), durable=False)
    )


def _entries(board: Board) -> list[tuple[str, int, int, str]]:
    def work(session: sa.orm.Session) -> list[tuple[str, int, int, str]]:
        rows = session.execute(
            sa.select(EntryRow.credential_id, EntryRow.list_id, EntryRow.idx, EntryRow.purpose)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    return board.registry.transact(work, durable=False)


def _claims(token: str) -> dict[str, object]:
    payload = token.split("~", 1)[0].split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_every_registered_record_is_issued_once_in_sd_jwt(board: Board) -> None:
    _import(board)

    report = issue_all(board, batch_size=5, worker_id="w1")

    assert report.issued == {"dc+sd-jwt": RECORDS} and report.already == {"dc+sd-jwt": 0}
    assert report.batches == 4  # 18 records in ranges of 5.
    rows = _credentials(board)
    assert len(rows) == RECORDS
    assert len({r.issuance_key for r in rows}) == RECORDS
    for row in rows:
        assert row.issuance_key == issuance_key(row.subject_id, 1, "dc+sd-jwt")
        assert row.credential_id == credential_id_of(board.did, row.issuance_key)
        assert row.form == "dc+sd-jwt" and row.holder_mode is None
        claims = _claims(row.body)
        assert claims["iss"] == board.did and "cnf" not in claims
        assert "status" in claims
    entries = _entries(board)
    assert len(entries) == 2 * RECORDS  # Revocation and suspension, one each.
    assert len({(e[1], e[2]) for e in entries}) == len(entries)
    assert {e[0] for e in entries} == {r.credential_id for r in rows}
    issued = [e for e in board.store.iter_events() if e.action == "credential.issued"]
    assert len(issued) == RECORDS and {e.actor for e in issued} == {"w1"}


def test_a_second_run_issues_nothing(board: Board) -> None:
    _import(board)
    issue_all(board, batch_size=7)

    def state() -> tuple[list[tuple[str, str]], list[tuple[str, int, int, str]]]:
        return sorted((r.credential_id, r.body) for r in _credentials(board)), _entries(board)

    before = state()

    again = issue_all(board, batch_size=7)

    assert again.issued == {"dc+sd-jwt": 0} and again.already == {"dc+sd-jwt": RECORDS}
    assert state() == before


def test_a_changed_record_is_issued_again_and_a_revoked_one_is_not(board: Board) -> None:
    _import(board)
    issue_all(board)
    stored = board.store.record("kangoshi:1000002")
    assert stored is not None
    board.store.put_record(replace(stored.record, given_name="一朗"), actor="test")
    board.store.set_standing(
        "kangoshi:1000005", "revoked", BoardEvent("record.revoked", "test", "kangoshi:1000005")
    )
    revoked = board.store.record("kangoshi:1000005")
    assert revoked is not None
    board.store.put_record(replace(revoked.record, given_name="桜"), actor="test")

    report = issue_all(board)

    assert report.issued == {"dc+sd-jwt": 1}
    keys = Counter(r.subject_id for r in _credentials(board))
    assert keys["kangoshi:1000002"] == 2 and keys["kangoshi:1000005"] == 1
    assert board.store.credential_by_key(issuance_key("kangoshi:1000002", 2, "dc+sd-jwt"))


def test_a_version_already_issued_another_way_is_not_issued_again(board: Board) -> None:
    _import(board)
    board.store.add_credential(
        IssuedInstance(
            credential_id="urn:uuid:00000000-0000-4000-8000-000000000001",
            issuance_key="oid4vci:grant-1",
            subject_id="kangoshi:1000004",
            record_version=1,
            form="dc+sd-jwt",
            body="enrolled",
            issued_at=datetime.now(UTC),
            holder_mode="cnf",
        ),
        actor="enrolment",
    )
    report = issue_all(board)
    assert report.issued == {"dc+sd-jwt": RECORDS - 1}
    assert report.already == {"dc+sd-jwt": 1}
    assert board.store.credential_by_key(issuance_key("kangoshi:1000004", 1, "dc+sd-jwt")) is None


def test_a_run_left_open_is_joined_and_finished(board: Board) -> None:
    _import(board)
    run_id = plan_run(board, "dc+sd-jwt", batch_size=4)
    assert plan_run(board, "dc+sd-jwt", batch_size=4) == run_id  # Joined, not planned again.
    assert run_progress(board, run_id) == (0, RECORDS)

    issue_all(board, batch_size=100)  # Joins run_id, whose ranges are of 4.

    def state(session: sa.orm.Session) -> tuple[list[int], list[datetime | None]]:
        sizes = list(session.scalars(sa.select(BulkClaim.size).order_by(BulkClaim.first_id)))
        finished = list(session.scalars(sa.select(BulkRun.finished_at)))
        return sizes, finished

    sizes, finished = board.store.transact(state, durable=False)
    assert sizes == [4, 4, 4, 4, 2] and len(finished) == 1 and finished[0] is not None
    assert run_progress(board, run_id) == (RECORDS, RECORDS)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_data_integrity_forms(board: Board) -> None:
    _import(board)
    report = issue_all(board, forms=("ecdsa-rdfc-2019", "ecdsa-sd-2023"), batch_size=10)
    assert report.issued == {"ecdsa-rdfc-2019": RECORDS, "ecdsa-sd-2023": RECORDS}
    rows = _credentials(board)
    assert Counter(r.form for r in rows) == {"ecdsa-rdfc-2019": RECORDS, "ecdsa-sd-2023": RECORDS}
    row = next(r for r in rows if r.form == "ecdsa-rdfc-2019")
    signed = json.loads(row.body)
    assert signed["id"] == row.credential_id
    assert {e["statusPurpose"] for e in signed["credentialStatus"]} == {
        "revocation",
        "suspension",
    }
    assert di.verify(signed, loader=board.issuer.loader)  # Raises on a bad proof.
    base = json.loads(next(r.body for r in rows if r.form == "ecdsa-sd-2023"))
    assert di.verify_base(base, loader=board.issuer.loader)
    # Each credential has its own entries, whatever its form.
    entries = _entries(board)
    assert len(entries) == 2 * 2 * RECORDS
    assert len({(e[1], e[2]) for e in entries}) == len(entries)


def test_a_known_holder_key_is_bound_and_forms_are_checked(board: Board) -> None:
    _import(board)
    holder = HolderBinding.of_key(generate_key("p256").public_key)
    issue_all(board, holder_of=lambda s: holder if s == "kangoshi:1000001" else None)
    bound = board.store.credential_by_key(issuance_key("kangoshi:1000001", 1, "dc+sd-jwt"))
    assert bound is not None and bound.holder_mode == "cnf"
    assert _claims(bound.body)["cnf"] == {"jwk": dict(holder.jwk)}
    with pytest.raises(BoardError) as refused:
        issue_all(board, forms=("vc+jwt",))
    assert refused.value.code == "board.form_unknown"
