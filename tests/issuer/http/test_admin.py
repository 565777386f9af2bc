"""``POST /admin/lifecycle``: an operator's order through the board's service, once."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from typing import Any

from starlette.testclient import TestClient

from issuer.board import Board
from issuer.store import subject_of
from tests.issuer.http.conftest import ADMIN, problem
from vc_schemas.record import RegisterRecord

RECORD = RegisterRecord(
    qualification_id="kangoshi",
    license_number="7654321",
    registration_date=date(2016, 4, 1),
    family_name="鈴木",
    given_name="一郎",
    family_name_kana="スズキ",
    given_name_kana="イチロウ",
    date_of_birth=date(1988, 2, 3),
)
SUBJECT = subject_of("kangoshi", "7654321")
SUSPEND: dict[str, Any] = {
    "kind": "suspend",
    "subject_id": SUBJECT,
    "order_id": "mhlw-2026-0042",
    "legal_basis": "保健師助産師看護師法第14条第1項",
    "starts": "2026-12-10",
    "ends": "2027-03-10",
}


def _board(client: TestClient) -> Board:
    board: Board = client.app.state.board  # type: ignore[attr-defined]
    board.store.put_record(RECORD, actor="test")
    return board


def test_an_order_is_carried_out_once_and_logged_with_the_key(client: TestClient) -> None:
    board = _board(client)
    first = client.post("/admin/lifecycle", json=SUSPEND, headers=ADMIN)
    assert first.status_code == 200, first.text
    assert first.json()["repeated"] is False and first.json()["subject_id"] == SUBJECT
    again = client.post("/admin/lifecycle", json=SUSPEND, headers=ADMIN)
    assert again.status_code == 200 and again.json()["repeated"] is True
    events = [e for e in board.store.events(subject_id=SUBJECT) if e.action.startswith("lifecycle")]
    assert len(events) == 1 and events[0].actor == "api-key:development"
    assert events[0].legal_basis == SUSPEND["legal_basis"]


def test_orders_need_the_lifecycle_scope_and_a_well_formed_body(client: TestClient) -> None:
    _board(client)
    assert client.post("/admin/lifecycle", json=SUSPEND).status_code == 401
    wrong = client.post("/admin/lifecycle", json={**SUSPEND, "kind": "knight"}, headers=ADMIN)
    problem(wrong, 400, "request.invalid")
    unknown = client.post(
        "/admin/lifecycle", json={**SUSPEND, "subject_id": "kangoshi:0"}, headers=ADMIN
    )
    problem(unknown, 404, "board.record_unknown")
    backwards = client.post(
        "/admin/lifecycle", json={**SUSPEND, "ends": "2026-01-01"}, headers=ADMIN
    )
    problem(backwards, 422, "board.event_invalid")


def test_a_register_export_is_imported_over_http(client: TestClient) -> None:
    export = files("issuer.registers").joinpath("kangoshi-sample.csv").read_bytes()
    answer = client.post(
        "/admin/register/import?profile=kangoshi",
        content=export,
        headers={**ADMIN, "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["read"] == 20 and body["new"] == 18 and body["rejected"] == 2
    again = client.post(
        "/admin/register/import?profile=kangoshi",
        content=export,
        headers={**ADMIN, "Content-Type": "text/csv"},
    ).json()
    assert again["new"] == 0 and again["unchanged"] == 18
    refused = client.post("/admin/register/import", content=export, headers=ADMIN)
    problem(refused, 415, "request.media_type")
