"""``shikaku trust add|list|show|remove``, driven through the CLI's own entry point."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.app import main
from cli.trust import default_registry_path, load_registry
from tests.verifier.issuer_pki import IssuerPki
from vc_core.did import build_did_web_document, did_key_from_public_key
from vc_core.keys import generate_key
from verifier.trust import TrustRegistry

BOARD = generate_key("p256")
BOARD_DID = did_key_from_public_key(BOARD.public_key)
WEB_DID = "did:web:kangoshi.mhlw.example.jp"
MHLW = ["--name-ja", "厚生労働大臣", "--name-en", "Minister of Health, Labour and Welfare"]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def shikaku(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Callable[..., Run]:
    monkeypatch.setenv("SHIKAKU_TRUST_REGISTRY", str(tmp_path / "trust.toml"))
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> Run:
        monkeypatch.setattr(sys, "argv", ["shikaku", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        captured = capsys.readouterr()
        return Run(int(exited.value.code or 0), captured.out, captured.err)

    return run


def test_add_list_show_remove(shikaku: Callable[..., Run], tmp_path: Path) -> None:
    run = shikaku
    added = run("trust", "add", BOARD_DID, *MHLW, "--qualification", "kangoshi")
    assert added.code == 0, added.err
    assert "kangoshi (看護師)" in added.out
    listed = run("trust", "list")
    assert listed.code == 0
    assert "厚生労働大臣" in listed.out and "Minister of Health" in listed.out
    assert BOARD_DID in listed.out.replace("│", "").replace(" ", "").replace("\n", "")
    shown = run("trust", "show", BOARD_DID)
    assert shown.code == 0 and BOARD_DID in shown.out and "看護師" in shown.out
    registry = TrustRegistry.load(tmp_path / "trust.toml")
    assert registry.authorize(BOARD_DID, "kangoshi").name_ja == "厚生労働大臣"
    removed = run("trust", "remove", BOARD_DID)
    assert removed.code == 0
    assert len(TrustRegistry.load(tmp_path / "trust.toml")) == 0


def test_add_with_a_pinned_document_roots_and_metadata(
    shikaku: Callable[..., Run], tmp_path: Path
) -> None:
    run = shikaku
    document = build_did_web_document(WEB_DID, [("key-1", BOARD.public_key)])
    (tmp_path / "did.json").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "root.pem").write_bytes(IssuerPki().root_pem)
    issuer = "https://kangoshi.mhlw.example.jp"
    (tmp_path / "meta.json").write_text(
        json.dumps({"issuer": issuer, "jwks": {"keys": []}}), encoding="utf-8"
    )
    registry = str(tmp_path / "elsewhere.toml")
    web = run(
        "trust", "add", WEB_DID, *MHLW, "--qualification", "kangoshi",
        "--qualification", "hokenshi", "--did-document", str(tmp_path / "did.json"),
        "--registry", registry,
    )  # fmt: skip
    assert web.code == 0, web.err
    https = run(
        "trust", "add", issuer, *MHLW, "--qualification", "kangoshi", "--vct", "urn:x:nurse",
        "--x509-root", str(tmp_path / "root.pem"), "--jwt-vc-issuer", str(tmp_path / "meta.json"),
        "--registry", registry,
    )  # fmt: skip
    assert https.code == 0, https.err
    loaded = TrustRegistry.load(Path(registry))
    assert loaded.lookup(WEB_DID).did_document == document
    assert len(loaded.lookup(issuer).x509_roots) == 1
    assert loaded.authorize(issuer, "urn:x:nurse").id == issuer
    shown = run("trust", "show", issuer, "--registry", registry)
    assert "1 X.509 root(s)" in shown.out and "pinned jwt-vc-issuer" in shown.out
    assert not (tmp_path / "trust.toml").exists()  # --registry wins over the environment


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["add", BOARD_DID, *MHLW, "--qualification", "wizard"], "trust.qualification_unknown"),
        (["add", "did:key:zBogus", *MHLW, "--qualification", "kangoshi"], "trust.registry_invalid"),
        (["add", BOARD_DID, *MHLW, "--qualification", "kangoshi", "--did-document", "/no/such"],
         "trust.registry_invalid"),
        (["show", WEB_DID], "trust.issuer_unknown"),
        (["remove", WEB_DID], "trust.issuer_unknown"),
    ],
    ids=["unknown-qualification", "bad-did", "missing-document", "show-unknown", "remove-unknown"],
)  # fmt: skip
def test_bad_input_is_one_coded_line_and_exit_2(
    shikaku: Callable[..., Run], args: list[str], code: str
) -> None:
    run = shikaku
    result = run("trust", *args)
    assert result.code == 2
    assert result.err.startswith(f"error: {code}: ")
    assert result.err.count("\n") == 1


def test_a_broken_registry_file_is_reported_not_overwritten(
    shikaku: Callable[..., Run], tmp_path: Path
) -> None:
    run = shikaku
    (tmp_path / "trust.toml").write_text("not [ toml", encoding="utf-8")
    result = run("trust", "add", BOARD_DID, *MHLW, "--qualification", "kangoshi")
    assert result.code == 2 and "trust.registry_invalid" in result.err
    assert (tmp_path / "trust.toml").read_text(encoding="utf-8") == "not [ toml"


def test_default_registry_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHIKAKU_TRUST_REGISTRY", str(tmp_path / "a.toml"))
    assert default_registry_path() == tmp_path / "a.toml"
    monkeypatch.delenv("SHIKAKU_TRUST_REGISTRY")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_registry_path() == tmp_path / "xdg" / "shikaku" / "trust.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_registry_path() == tmp_path / "home" / ".config" / "shikaku" / "trust.toml"
    assert len(load_registry()) == 0  # a missing file is an empty registry
