"""``POST /admin/offers`` and ``shikaku issuer offer``: a board makes an OpenID4VCI offer."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.app import app as cli_app
from issuer.board import open_board
from issuer.settings import IssuerSettings
from issuer.store import BoardEvent
from tests.issuer.http.conftest import ADMIN, problem
from tests.issuer.http.test_admin import RECORD, SUBJECT, _board
from tests.issuer.http.test_auth import ISSUE_KEY, STATUS_KEY, bearer, production

__all__ = ["production"]


def _reference_of(offer_uri: str) -> str:
    """The credential_offer_uri inside an openid-credential-offer:// link."""
    assert offer_uri.startswith("openid-credential-offer://?")
    (inner,) = parse_qs(urlsplit(offer_uri).query)["credential_offer_uri"]
    return inner


def test_an_offer_by_reference_with_a_transaction_code(client: TestClient) -> None:
    board = _board(client)
    made = client.post("/admin/offers", json={"subject_id": SUBJECT}, headers=ADMIN)
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    body = made.json()
    assert _reference_of(body["offer_uri"]) == body["credential_offer_uri"]
    assert body["configuration_ids"] == ["kangoshi_dc_sd_jwt"]  # the default: SD-JWT VC only
    assert isinstance(body["tx_code"], str) and body["tx_code"].isdigit()
    assert len(body["tx_code"]) == board.settings.oid4vci_tx_code_length
    path = urlsplit(body["credential_offer_uri"]).path
    offer = client.get(path)
    assert offer.status_code == 200, offer.text
    grant = offer.json()["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant["tx_code"]["length"] == len(body["tx_code"])
    assert body["tx_code"] not in offer.text  # the code travels on another channel
    (event,) = [e for e in board.store.events(subject_id=SUBJECT) if e.action.startswith("oid4")]
    assert event.actor == "api-key:development"


def test_named_configurations_and_no_transaction_code(client: TestClient) -> None:
    _board(client)
    wanted = ["kangoshi_dc_sd_jwt", "kangoshi_ldp_vc"]
    made = client.post(
        "/admin/offers",
        json={"subject_id": SUBJECT, "configuration_ids": wanted, "tx_code": False},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    assert made.json()["tx_code"] is None and made.json()["configuration_ids"] == wanted
    offer = client.get(urlsplit(made.json()["credential_offer_uri"]).path).json()
    assert "tx_code" not in offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]


def test_offers_are_refused_as_problems(client: TestClient) -> None:
    board = _board(client)
    unknown = client.post("/admin/offers", json={"subject_id": "kangoshi:0000000"}, headers=ADMIN)
    problem(unknown, 404, "board.record_unknown")
    other = client.post(
        "/admin/offers",
        json={"subject_id": SUBJECT, "configuration_ids": ["ishi_dc_sd_jwt"]},
        headers=ADMIN,
    )
    problem(other, 400, "request.invalid")
    nonsense = client.post(
        "/admin/offers",
        json={"subject_id": SUBJECT, "configuration_ids": ["no-such-thing"]},
        headers=ADMIN,
    )
    problem(nonsense, 400, "request.invalid")
    extra = client.post("/admin/offers", json={"subject_id": SUBJECT, "x": 1}, headers=ADMIN)
    problem(extra, 400, "request.invalid")
    board.store.set_standing(SUBJECT, "revoked", BoardEvent("test.revoked", "test", SUBJECT))
    revoked = client.post("/admin/offers", json={"subject_id": SUBJECT}, headers=ADMIN)
    problem(revoked, 409, "board.not_issuable")
    assert not [e for e in board.store.events(subject_id=SUBJECT) if e.action.startswith("oid4")]


def test_offers_need_the_issue_scope(production: TestClient) -> None:
    _board(production)
    body = {"subject_id": SUBJECT}
    problem(production.post("/admin/offers", json=body), 401, "request.unauthorized")
    forbidden = production.post("/admin/offers", json=body, headers=bearer(STATUS_KEY))
    problem(forbidden, 403, "request.forbidden")
    made = production.post("/admin/offers", json=body, headers=bearer(ISSUE_KEY))
    assert made.status_code == 201, made.text
    assert made.json()["credential_offer_uri"].startswith("https://board.example.jp/oid4vci/")


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "board.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "board"}"\nenvironment = "development"\n'
        'public_url = "https://board.example.jp"\n'
    )
    board = open_board(IssuerSettings.load(toml_file=config))
    try:
        board.store.put_record(RECORD, actor="import")
    finally:
        board.close()
    return config


def test_the_cli_prints_the_link_its_qr_code_and_the_transaction_code(tmp_path: Path) -> None:
    config = _config(tmp_path)
    run = CliRunner().invoke(cli_app, ["issuer", "offer", SUBJECT, "--config", str(config)])
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    link = next(line for line in lines if line.startswith("openid-credential-offer://"))
    assert _reference_of(link).startswith("https://board.example.jp/oid4vci/offers/")
    assert any("█" in line or "▀" in line for line in lines)  # the QR code
    code = next(line for line in lines if "transaction code:" in line).rsplit(" ", 1)[1]
    assert code.isdigit()
    assert "another channel" in run.stdout


def test_the_cli_offer_as_json_and_its_refusals(tmp_path: Path) -> None:
    config = _config(tmp_path)
    base = ["issuer", "offer", SUBJECT, "--config", str(config), "--json"]
    run = CliRunner().invoke(cli_app, [*base, "--no-tx-code", "--configuration", "kangoshi_ldp_vc"])
    assert run.exit_code == 0, run.output
    body = json.loads(run.stdout)
    assert body["tx_code"] is None and body["configuration_ids"] == ["kangoshi_ldp_vc"]
    missing = CliRunner().invoke(
        cli_app, ["issuer", "offer", "kangoshi:0000000", "--config", str(config)]
    )
    assert missing.exit_code != 0 and "board.record_unknown" in missing.output
