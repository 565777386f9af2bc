"""Verdicts an HR clerk can read: :func:`cli.render.render_verification` in both languages."""

from __future__ import annotations

import copy
import io
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from cli.render import CHECK_NAMES, render_verification


def _text(report: Any, lang: Literal["ja", "en"]) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(render_verification(report, lang=lang))
    return console.export_text()


def _checks(**outcomes: str) -> list[dict[str, Any]]:
    names = ("format", "proof", "issuer_trust", "validity", "status", "holder_binding")
    return [{"check": n, "outcome": outcomes.get(n, "passed")} for n in names]


VERIFIED: dict[str, Any] = {
    "verified": True,
    "outcome": "verified",
    "format": "dc+sd-jwt",
    "checks": _checks(),
    "issuer": {
        "id": "did:web:mhlw.example",
        "name": {"ja": "厚生労働大臣", "en": "Minister of Health, Labour and Welfare"},
    },
    "qualification": {"id": "kangoshi", "name": {"ja": "看護師", "en": "Nurse"}},
    "subject": {"familyName": "山田", "givenName": "花子", "licenseNumber": "123456"},
    # 15:00Z is midnight in Japan: the licence is valid from 1 April there.
    "validFrom": "2026-03-31T15:00:00Z",
    "validUntil": None,
    "status": {"state": "valid"},
}


def _suspended() -> dict[str, Any]:
    report = copy.deepcopy(VERIFIED)
    report.update(verified=False, outcome="not_verified")
    report["checks"][4].update(
        outcome="failed", code="status.suspended", message="The suspension entry is set."
    )
    report["status"] = {
        "state": "suspended",
        "reason": "業務停止処分",
        "from": "2026-12-01",
        "until": "2027-03-01",
    }
    return report


def _revoked() -> dict[str, Any]:
    report = copy.deepcopy(VERIFIED)
    report.update(verified=False, outcome="not_verified")
    report["checks"][4].update(outcome="failed", code="status.revoked")
    report["status"] = {"state": "revoked", "reason": "免許取消"}
    return report


def _could_not_verify() -> dict[str, Any]:
    report = copy.deepcopy(VERIFIED)
    report.update(verified=False, outcome="error")
    report["checks"][4].update(
        outcome="could_not_verify",
        code="status.list_unreachable",
        message="https://registry.example/status/1: ConnectError",
    )
    report["status"] = {"state": "unknown"}
    return report


def _forged() -> dict[str, Any]:
    """A forged credential: nothing it says can be trusted, so the report names no facts."""
    return {
        "verified": False,
        "outcome": "not_verified",
        "format": "ldp_vc",
        "checks": [
            {"check": "format", "outcome": "passed"},
            {"check": "data_model", "outcome": "passed"},
            {
                "check": "proof",
                "outcome": "failed",
                "code": "proof.invalid_signature",
                "message": "The signature does not verify over the document.",
            },
            {"check": "status", "outcome": "not_applicable"},
        ],
    }


def _lines(text: str) -> list[str]:
    return [" ".join(line.strip("│ ").split()) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ja",
            [
                "✔ 確認できました",
                "資格 看護師",
                "氏名 山田 花子",
                "登録番号 123456",
                "発行者 厚生労働大臣",
                "did:web:mhlw.example",
                "有効期間 2026年4月1日から（期限なし）",
                "状態 有効",
                "✔ 発行者の署名 確認済み",
                "✔ 信頼できる発行者 確認済み",
                "✔ 取消・業務停止 確認済み",
            ],
        ),
        (
            "en",
            [
                "✔ Verified",
                "Qualification Nurse",
                "Name 山田 花子",
                "Registration number 123456",
                "Issuer Minister of Health, Labour and Welfare",
                "Valid from 2026-04-01 (no end date)",
                "Status Valid",
                "✔ Issuer's signature passed",
                "✔ Presented by the holder passed",
            ],
        ),
    ],
)
def test_verified(lang: Literal["ja", "en"], expected: list[str]) -> None:
    lines = _lines(_text(VERIFIED, lang))
    for row in expected:
        assert row in lines, (row, lines)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ja",
            [
                "✘ 確認できませんでした",
                "状態 業務停止中（停止期間 2026年12月1日〜2027年3月1日、理由 業務停止処分）",
                "✘ 取消・業務停止 不合格：業務停止中です。 (status.suspended)",
            ],
        ),
        (
            "en",
            [
                "✘ Not verified",
                "Status Suspended (period 2026-12-01 to 2027-03-01; reason: 業務停止処分)",
                "✘ Revocation and suspension failed: The licence is suspended. (status.suspended)",
            ],
        ),
    ],
)
def test_suspended(lang: Literal["ja", "en"], expected: list[str]) -> None:
    lines = _lines(_text(_suspended(), lang))
    for row in expected:
        assert row in lines, (row, lines)


def test_revoked() -> None:
    assert "状態 取消（理由 免許取消）" in _lines(_text(_revoked(), "ja"))
    english = _lines(_text(_revoked(), "en"))
    assert "Status Revoked (reason: 免許取消)" in english
    assert "✘ Revocation and suspension failed: The licence has been revoked. (status.revoked)" in (
        english
    )


def test_could_not_verify_says_so_and_why() -> None:
    japanese = _lines(_text(_could_not_verify(), "ja"))
    assert "? 確認できませんでした（検証不能）" in japanese
    assert "状態 不明（確認できませんでした）" in japanese
    reason = "確認できず：取消・停止の情報を取得できませんでした。 (status.list_unreachable)"
    assert f"? 取消・業務停止 {reason}" in japanese
    english = _lines(_text(_could_not_verify(), "en"))
    assert "? Could not verify" in english
    assert "Status Unknown (could not be checked)" in english


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_forged(lang: Literal["ja", "en"]) -> None:
    text = _text(_forged(), lang)
    lines = _lines(text)
    if lang == "ja":
        assert "✘ 確認できませんでした" in lines
        reason = "署名が内容と一致しません。書き換えられた可能性があります。"
        assert f"✘ 発行者の署名 不合格：{reason} (proof.invalid_signature)" in lines
        assert "– 取消・業務停止 対象外" in lines
        assert "資格 " not in text and "発行者 " not in text
    else:
        assert "✘ Not verified" in lines
        assert any(
            line.startswith("✘ Issuer's signature failed: The signature does not") for line in lines
        )


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_only_disclosed_claims_are_shown(lang: Literal["ja", "en"]) -> None:
    report = copy.deepcopy(VERIFIED)
    report["subject"] = {"licenseNumber": "123456", "registeredSex": "2", "achievement": {"x": 1}}
    text = _text(report, lang)
    assert ("女" if lang == "ja" else "Female") in text
    for hidden in ("山田", "氏名", "Name ", "生年月日", "Date of birth", "本籍", "Prefecture"):
        assert hidden not in text


def test_values_are_shown_as_written_never_as_markup() -> None:
    report = copy.deepcopy(VERIFIED)
    report["subject"] = {"familyName": "[/]", "licenseNumber": "[bold red]123"}
    report["qualification"] = {"name": {"en": "[link=https://evil.example]Nurse"}}
    report["checks"] = [{"check": "[/x]", "outcome": "failed", "message": "[/y]"}]
    text = _text(report, "en")
    for written in ("[/]", "[bold red]123", "[link=https://evil.example]Nurse", "[/x]", "[/y]"):
        assert written in text


def test_times_are_days_in_japan_from_text_or_epoch_seconds() -> None:
    report = copy.deepcopy(VERIFIED)
    # SD-JWT times are epoch seconds: 2030-04-22T14:59:59Z is the last second of 22 April JST.
    report.update(validFrom=1775055600, validUntil=1903100399)
    assert "有効期間 2026年4月2日〜2030年4月22日" in _lines(_text(report, "ja"))
    assert "Valid 2026-04-02 to 2030-04-22" in _lines(_text(report, "en"))


def test_a_verdict_is_never_better_than_its_checks() -> None:
    contradicting = copy.deepcopy(_forged())
    contradicting.update(verified=True, outcome="verified")
    assert "✘ Not verified" in _lines(_text(contradicting, "en"))
    unsure = {"checks": [{"check": "status", "outcome": "could_not_verify"}]}
    assert "? Could not verify" in _lines(_text(unsure, "en"))
    assert "? Could not verify" in _lines(_text({}, "en"))


def test_every_check_of_the_pipeline_has_a_name_in_both_languages() -> None:
    assert set(CHECK_NAMES) == {
        "format", "data_model", "proof", "issuer_binding", "issuer_trust", "validity",
        "status", "schema", "holder_binding", "holder_certificate", "nonce",
    }  # fmt: skip
    for name in CHECK_NAMES.values():
        assert name.ja and name.en and name.ja != name.en


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    _nested,
    max_leaves=12,
)
_KEYS = ("verified", "outcome", "checks", "issuer", "qualification", "subject", "validFrom",
         "validUntil", "status")  # fmt: skip


@given(st.dictionaries(st.sampled_from(_KEYS), _json, max_size=9), st.sampled_from(["ja", "en"]))
def test_any_report_shape_renders_without_raising(report: dict[str, Any], lang: str) -> None:
    text = _text(report, "ja" if lang == "ja" else "en")
    if "✔ 確認できました" in text or "✔ Verified" in text:
        # Shown as verified only when the report says so and nothing in it says otherwise.
        assert report.get("verified") is True or report.get("outcome") == "verified"
        assert report.get("verified") is not False
        checks = report.get("checks")
        outcomes = (
            [c.get("outcome") for c in checks if isinstance(c, dict)]
            if isinstance(checks, list)
            else []
        )
        assert "failed" not in outcomes and "could_not_verify" not in outcomes


def test_a_proof_only_answer_is_never_shown_as_a_full_pass() -> None:
    """``vc verify --checks proof``: verified as far as asked, and the clerk is told so."""
    report = {
        "verified": True,
        "outcome": "verified",
        "checks": [
            {"check": "format", "ok": True, "outcome": "passed"},
            {"check": "proof", "ok": True, "outcome": "passed"},
            {"check": "status", "ok": None, "outcome": "not_requested"},
        ],
    }
    ja, en = _text(report, "ja"), _text(report, "en")
    assert "求めた確認のみ通りました" in ja and "確認できました" not in ja
    assert "Only the checks asked for passed" in en and "Every check passed" not in en
