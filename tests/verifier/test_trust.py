"""The trust registry: entries, authorisation codes, the TOML file and the SQL table."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import Engine, MetaData, inspect, text

from service_kit import migrate
from service_kit.db import create_engine
from tests.issuer.pg import postgres_server, temporary_schema
from tests.verifier.issuer_pki import IssuerPki
from vc_core.did import build_did_web_document, did_key_from_public_key
from vc_core.errors import StorageError, TrustError
from vc_core.keys import generate_key, public_jwk
from vc_schemas.sd_jwt_vc import vct_for
from verifier.oid4vp.store import TRANSACTIONS
from verifier.trust import TrustedIssuer, TrustRegistry
from verifier.trust_sql import METADATA, TRUST_MIGRATIONS, SqlTrustRegistry

MHLW = ("厚生労働大臣", "Minister of Health, Labour and Welfare")
BOARD_KEY = generate_key("p256")
BOARD_DID = did_key_from_public_key(BOARD_KEY.public_key)
WEB_DID = "did:web:kangoshi.mhlw.example.jp"
HTTPS_ISSUER = "https://kangoshi.mhlw.example.jp"


def board(**changes: Any) -> TrustedIssuer:
    fields: dict[str, Any] = {
        "id": BOARD_DID,
        "name_ja": MHLW[0],
        "name_en": MHLW[1],
        "qualifications": frozenset({"kangoshi", "hokenshi"}),
    }
    return TrustedIssuer(**(fields | changes))


def rich_registry() -> TrustRegistry:
    """One issuer of each kind, with every optional field used."""
    web_document = build_did_web_document(WEB_DID, [("key-1", BOARD_KEY.public_key)])
    metadata = {
        "issuer": HTTPS_ISSUER,
        "jwks": {"keys": [public_jwk(BOARD_KEY.public_key) | {"kid": "k1"}]},
    }
    return TrustRegistry(
        [
            board(),
            board(id=WEB_DID, did_document=web_document, vcts=frozenset({"urn:x:nurse"})),
            board(id=HTTPS_ISSUER, x509_roots=(IssuerPki().root_der,), jwt_vc_issuer=metadata),
        ]
    )


# ---------------------------------------------------------------- authorisation


def test_authorize_names_the_authority_for_its_qualification() -> None:
    registry = TrustRegistry([board()])
    issuer = registry.authorize(BOARD_DID, "kangoshi")
    assert (issuer.name_ja, issuer.name_en) == MHLW
    assert registry.authorize(BOARD_DID, vct_for("hokenshi")) is issuer
    assert issuer.may_issue("kangoshi") and not issuer.may_issue("ishi")


def test_an_issuer_not_in_the_registry_is_unknown() -> None:
    with pytest.raises(TrustError) as raised:
        TrustRegistry([board()]).authorize("did:web:registry.example", "kangoshi")
    assert raised.value.code == "trust.issuer_unknown"


def test_a_trusted_issuer_is_not_authorized_for_another_qualification() -> None:
    with pytest.raises(TrustError) as raised:
        TrustRegistry([board()]).authorize(BOARD_DID, "ishi")
    assert raised.value.code == "trust.not_authorized"
    assert raised.value.details["qualification"] == "ishi"


@pytest.mark.parametrize("qualification", ["no-such-licence", vct_for("no-such-licence")])
def test_a_qualification_the_catalogue_does_not_know(qualification: str) -> None:
    with pytest.raises(TrustError) as raised:
        TrustRegistry([board()]).authorize(BOARD_DID, qualification)
    assert raised.value.code == "trust.qualification_unknown"


def test_an_extra_vct_is_accepted_only_for_its_issuer() -> None:
    registry = rich_registry()
    assert registry.authorize(WEB_DID, "urn:x:nurse").id == WEB_DID
    with pytest.raises(TrustError) as raised:
        registry.authorize(BOARD_DID, "urn:x:nurse")
    assert raised.value.code == "trust.qualification_unknown"


def test_an_entry_with_an_unknown_qualification_is_refused() -> None:
    with pytest.raises(TrustError) as raised:
        board(qualifications=frozenset({"kangoshi", "wizard"}))
    assert raised.value.code == "trust.qualification_unknown"


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "did:key:zNotAKey"},
        {"id": "did:example:123"},
        {"id": "http://kangoshi.mhlw.example.jp"},
        {"id": "did:web:evil.example/../x"},
        {"id": HTTPS_ISSUER + "?x=1"},
        {"name_ja": " "},
        {"qualifications": frozenset()},
        {"qualifications": ["kangoshi"]},
        {"did_document": {"id": WEB_DID}},  # only a did:web pins a document
        {"id": WEB_DID, "did_document": {"id": "did:web:other.example"}},
        {"x509_roots": (b"not a certificate",)},
        {"id": HTTPS_ISSUER, "jwt_vc_issuer": {"issuer": "https://other.example", "jwks": {}}},
        {"id": HTTPS_ISSUER, "jwt_vc_issuer": {"issuer": HTTPS_ISSUER}},
    ],
)
def test_malformed_entries_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(TrustError) as raised:
        board(**changes)
    assert raised.value.code == "trust.registry_invalid"


def test_added_replaces_and_removed_removes() -> None:
    registry = TrustRegistry([board()])
    widened = registry.added(board(qualifications=frozenset({"ishi"})))
    assert len(widened) == 1 and widened.lookup(BOARD_DID).qualifications == {"ishi"}
    assert len(registry) == 1 and registry.authorize(BOARD_DID, "kangoshi")  # unchanged
    assert len(widened.removed(BOARD_DID)) == 0
    with pytest.raises(TrustError) as raised:
        widened.removed(WEB_DID)
    assert raised.value.code == "trust.issuer_unknown"


def test_the_same_issuer_twice_is_refused() -> None:
    with pytest.raises(TrustError) as raised:
        TrustRegistry([board(), board(name_en="Someone else")])
    assert raised.value.code == "trust.registry_invalid"


# ---------------------------------------------------------------- the TOML file


def test_save_then_load_gives_the_same_registry_and_the_same_bytes(tmp_path: Path) -> None:
    registry = rich_registry()
    path = tmp_path / "config" / "trust.toml"
    registry.save(path)
    loaded = TrustRegistry.load(path)
    assert loaded == registry
    assert [issuer.id for issuer in loaded] == sorted([BOARD_DID, WEB_DID, HTTPS_ISSUER])
    first = path.read_bytes()
    loaded.save(path)
    assert path.read_bytes() == first
    assert [p.name for p in path.parent.iterdir()] == ["trust.toml"]  # no temporary left


def test_a_hand_written_file_with_paths_relative_to_it(tmp_path: Path) -> None:
    reference = rich_registry()
    web, https = reference.lookup(WEB_DID), reference.lookup(HTTPS_ISSUER)
    (tmp_path / "roots").mkdir()
    (tmp_path / "roots" / "ca.pem").write_bytes(
        x509.load_der_x509_certificate(https.x509_roots[0]).public_bytes(Encoding.PEM)
    )
    (tmp_path / "did.json").write_text(json.dumps(web.did_document), encoding="utf-8")
    (tmp_path / "meta.json").write_text(json.dumps(https.jwt_vc_issuer), encoding="utf-8")
    (tmp_path / "trust.toml").write_text(
        f"""
[[issuer]]
id = "{WEB_DID}"
name_ja = "厚生労働大臣"
name_en = "Minister of Health, Labour and Welfare"
qualifications = ["kangoshi", "hokenshi"]
vcts = ["urn:x:nurse"]
did_document = "did.json"

[[issuer]]
id = "{HTTPS_ISSUER}"
name_ja = "厚生労働大臣"
name_en = "Minister of Health, Labour and Welfare"
qualifications = ["hokenshi", "kangoshi"]
x509_roots = ["roots/ca.pem"]
jwt_vc_issuer = "meta.json"
""",
        encoding="utf-8",
    )
    loaded = TrustRegistry.load(tmp_path / "trust.toml")
    assert loaded.lookup(WEB_DID) == web
    assert loaded.lookup(HTTPS_ISSUER) == https


@pytest.mark.parametrize(
    "content",
    [
        "this is = not [ toml",
        "[[issuer]]\nid = 'did:web:x.example'\n",  # required keys missing
        f"[[issuer]]\nid = '{BOARD_DID}'\nname_ja = 'a'\nname_en = 'b'\nqualifications = ['kangoshi']\nkey = 'x'\n",  # noqa: E501
        f"[[issuer]]\nid = '{BOARD_DID}'\nname_ja = 'a'\nname_en = 'b'\nqualifications = 'kangoshi'\n",  # noqa: E501
        f"[[issuer]]\nid = '{BOARD_DID}'\nname_ja = 'a'\nname_en = 'b'\nqualifications = ['wizard']\n",  # noqa: E501
        f"[[issuer]]\nid = '{BOARD_DID}'\nname_ja = 'a'\nname_en = 'b'\nqualifications = ['kangoshi']\nx509_roots = ['missing.pem']\n",  # noqa: E501
        f"[[issuer]]\nid = '{WEB_DID}'\nname_ja = 'a'\nname_en = 'b'\nqualifications = ['kangoshi']\ndid_document = 'missing.json'\n",  # noqa: E501
        "[settings]\nx = 1\n",
        "issuer = 'x'\n",
    ],
    ids=[
        "not-toml",
        "missing-keys",
        "unknown-key",
        "qualifications-not-a-list",
        "unknown-qualification",
        "root-file-missing",
        "document-file-missing",
        "other-table",
        "issuer-not-tables",
    ],
)
def test_a_malformed_file_is_registry_invalid(tmp_path: Path, content: str) -> None:
    path = tmp_path / "trust.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrustError) as raised:
        TrustRegistry.load(path)
    assert raised.value.code == "trust.registry_invalid"


def test_an_empty_file_is_an_empty_registry(tmp_path: Path) -> None:
    path = tmp_path / "trust.toml"
    path.write_text("", encoding="utf-8")
    assert len(TrustRegistry.load(path)) == 0


def test_a_document_toml_cannot_hold_is_refused_on_save(tmp_path: Path) -> None:
    document = build_did_web_document(WEB_DID, [("key-1", BOARD_KEY.public_key)])
    registry = TrustRegistry([board(id=WEB_DID, did_document=document | {"service": None})])
    with pytest.raises(TrustError) as raised:
        registry.save(tmp_path / "trust.toml")
    assert raised.value.code == "trust.registry_invalid"
    assert not (tmp_path / "trust.toml").exists()


_json_leaf = st.one_of(
    st.text(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)
_json = st.recursive(
    _json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)


@given(
    name=st.text(min_size=1).filter(lambda s: bool(s.strip())),
    extra=st.dictionaries(st.text(), _json, max_size=4),
)
@example(name="a\\/b", extra={"x\\/": "\\/"})  # a backslash before a slash stays one
def test_any_names_and_documents_survive_the_toml_writer(name: str, extra: dict[str, Any]) -> None:
    document = build_did_web_document(WEB_DID, [("key-1", BOARD_KEY.public_key)])
    extra.pop("id", None)
    registry = TrustRegistry([board(id=WEB_DID, name_ja=name, did_document=extra | document)])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trust.toml"
        registry.save(path)
        assert TrustRegistry.load(path) == registry


# ---------------------------------------------------------------- the SQL table


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'trust.sqlite3'}")
        yield engine
        engine.dispose()
        return
    url, reason = postgres_server()
    if url is None:
        pytest.skip(reason)
    with temporary_schema(url) as schema_url:
        engine = create_engine(schema_url)
        yield engine
        engine.dispose()


def test_the_table_reads_like_the_file(engine: Engine) -> None:
    store = SqlTrustRegistry(engine)
    store.create()
    reference = rich_registry()
    for issuer in reference:
        store.add(issuer)
    assert len(store) == 3
    assert list(store) == list(reference)
    assert store.authorize(BOARD_DID, "kangoshi").name_ja == MHLW[0]
    assert store.hosts() == {"kangoshi.mhlw.example.jp"}
    store.add(board(qualifications=frozenset({"ishi"})))
    codes = []
    for call in (
        lambda: store.authorize(BOARD_DID, "kangoshi"),
        lambda: store.authorize("did:web:registry.example", "kangoshi"),
        lambda: store.authorize(BOARD_DID, "wizard"),
        lambda: store.remove("did:web:registry.example"),
    ):
        with pytest.raises(TrustError) as raised:
            call()
        codes.append(raised.value.code)
    assert codes == [
        "trust.not_authorized",
        "trust.issuer_unknown",
        "trust.qualification_unknown",
        "trust.issuer_unknown",
    ]
    store.remove(BOARD_DID)
    assert len(store) == 2


def test_a_row_edited_by_hand_is_checked_when_read(engine: Engine) -> None:
    store = SqlTrustRegistry(engine)
    store.create()
    store.add(board())
    with engine.begin() as connection:
        connection.execute(text("UPDATE trusted_issuers SET qualifications = '[\"wizard\"]'"))
    with pytest.raises(TrustError) as raised:
        store.lookup(BOARD_DID)
    assert raised.value.code == "trust.qualification_unknown"


def _verifier_tables() -> MetaData:
    """Every table of the verifier's migrations: the trust registry's and OpenID4VP's."""
    tables = MetaData()
    for table in (*METADATA.tables.values(), TRANSACTIONS):
        table.to_metadata(tables)
    return tables


def test_the_migrations_build_exactly_the_table_and_run_both_ways(engine: Engine) -> None:
    store = SqlTrustRegistry(engine)
    store.create()
    store.create()  # Idempotent: a second start finds the table at head.
    with engine.connect() as connection:
        options = {"version_table": TRUST_MIGRATIONS.version_table}
        context = MigrationContext.configure(connection, opts=options)
        assert context.get_current_revision() == "0002"  # 0002: the OpenID4VP transactions
        assert compare_metadata(context, _verifier_tables()) == []
    migrate.downgrade(engine, TRUST_MIGRATIONS)
    assert "trusted_issuers" not in inspect(engine).get_table_names()


def test_a_registry_without_its_table_is_a_storage_error(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(StorageError) as raised:
        SqlTrustRegistry(engine).lookup(BOARD_DID)
    assert raised.value.code == "storage.failed"
    assert os.fspath(tmp_path) not in raised.value.message
    engine.dispose()
