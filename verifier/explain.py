"""Verdicts in plain words: a verification report explained for an HR clerk, in ja or en.

The pipeline's report (:meth:`verifier.result.VerificationResult.to_json`) is for machines.
:func:`explain` turns it into what a person reads — the same words wherever it is shown:
``shikaku vc verify`` in a terminal (:mod:`cli.render`) and the employer's web page
(:mod:`verifier.web`). An :class:`Explanation` holds the verdict (有効 / 無効 / 確認できません),
a sentence on what to do, who issued which qualification to whom, valid from when until when
(as days in Japan), the licence's status (有効 / 業務停止中 with its period and reason / 取消),
and every check in plain words with the reason when it did not pass. Each piece carries a
``tone`` (good, bad, unsure, muted, plain) that the renderer turns into colour.

Only what the report holds is explained, and of the holder only the claims it lists as
disclosed: a field the holder did not disclose never appears, not even as a blank. A report
missing a member, or holding one of an unexpected shape, explains what can be explained; this
module never raises on a report. A report that contradicts itself is explained at its worst.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Final, Literal

from vc_schemas.catalogue import default_catalogue
from vc_schemas.display import FIELD_LABELS, label, value_text
from vc_schemas.text import Text

__all__ = ["CHECK_NAMES", "CheckLine", "Explanation", "Lang", "Row", "Tone", "explain"]

Lang = Literal["ja", "en"]
Tone = Literal["good", "bad", "unsure", "muted", "plain"]

_T = Text
_JST: Final = timezone(timedelta(hours=9), "JST")

# verdict: (headline, title, mark, tone)
_VERDICTS: Final[Mapping[str, tuple[Text, Text, str, Tone]]] = {
    "verified": (_T("有効", "Valid"), _T("確認できました", "Verified"), "✔", "good"),
    "not_verified": (
        _T("無効", "Not valid"),
        _T("確認できませんでした", "Not verified"),
        "✘",
        "bad",
    ),
    "error": (
        _T("確認できません", "Could not verify"),
        _T("確認できませんでした（検証不能）", "Could not verify"),
        "?",
        "unsure",
    ),
    "partial": (
        _T("一部のみ確認", "Partly checked"),
        _T("求めた確認のみ通りました", "Only the checks asked for passed"),
        "!",
        "unsure",
    ),
}
_VERDICT_NOTES: Final = {
    "verified": _T(
        "署名・有効期間・状態などの確認をすべて通りました。",
        "Every check passed: signature, validity period, status and the rest.",
    ),
    "not_verified": _T(
        "この資格証明は受け付けられません。下の理由をご確認ください。",
        "Do not accept this credential; the reasons are listed below.",
    ),
    "error": _T(
        "確認を最後まで行えませんでした。時間をおいて再度お試しいただくか、本人にご確認ください。",
        "The checks could not all be run. Try again later, or ask the holder.",
    ),
    "partial": _T(
        "一部の確認（「求めていない」の項目）は行っていません。採用の判断には使えません。",
        "Some checks (marked 'not requested') were not run: not enough to rely on.",
    ),
}

#: Each check of the pipeline, as a clerk would name it.
CHECK_NAMES: Final[Mapping[str, Text]] = {
    "format": _T("データ形式", "Format"),
    "data_model": _T("記載内容の形式", "Contents"),
    "proof": _T("発行者の署名", "Issuer's signature"),
    "issuer_binding": _T("署名した発行者", "Who signed it"),
    "issuer_trust": _T("信頼できる発行者", "Trusted issuer"),
    "validity": _T("有効期間", "Validity period"),
    "status": _T("取消・業務停止", "Revocation and suspension"),
    "schema": _T("資格の記載事項", "Qualification details"),
    "holder_binding": _T("本人による提示", "Presented by the holder"),
    "holder_certificate": _T("マイナンバーカードの証明書", "My Number Card certificate"),
    "nonce": _T("使い回しでないこと", "Not a replay"),
}

_OUTCOMES: Final[Mapping[str, tuple[Text, str, Tone]]] = {
    "passed": (_T("確認済み", "passed"), "✔", "good"),
    "failed": (_T("不合格", "failed"), "✘", "bad"),
    "could_not_verify": (_T("確認できず", "could not check"), "?", "unsure"),
    "not_applicable": (_T("対象外", "not applicable"), "–", "muted"),
    "not_requested": (_T("求めていない", "not requested"), "–", "muted"),
}

#: The reasons a clerk meets most, in plain words; other codes show the report's message.
REASONS: Final[Mapping[str, Text]] = {
    "proof.invalid_signature": _T(
        "署名が内容と一致しません。書き換えられた可能性があります。",
        "The signature does not match the contents: it may have been altered.",
    ),
    "proof.missing": _T("署名がありません。", "It carries no signature."),
    "credential.expired": _T("有効期間が終了しています。", "Its validity period has ended."),
    "credential.not_yet_valid": _T(
        "有効期間がまだ始まっていません。", "Its validity period has not begun yet."
    ),
    "status.revoked": _T("免許・登録が取り消されています。", "The licence has been revoked."),
    "status.suspended": _T("業務停止中です。", "The licence is suspended."),
    "status.list_unreachable": _T(
        "取消・停止の情報を取得できませんでした。", "The revocation list could not be fetched."
    ),
    "status.list_expired": _T(
        "取消・停止の情報が古くなっています。", "The revocation list is out of date."
    ),
    "trust.issuer_unknown": _T(
        "発行者が信頼できる発行者として登録されていません。",
        "The issuer is not one you have chosen to trust.",
    ),
    "trust.not_authorized": _T(
        "発行者はこの資格を発行する立場にありません。",
        "The issuer does not issue this qualification.",
    ),
    "trust.key_mismatch": _T(
        "署名した鍵が発行者のものではありません。",
        "The key that signed it does not belong to the issuer.",
    ),
    "holder.binding_missing": _T(
        "本人の提示（鍵による署名）がありません。写しの可能性があります。",
        "The holder did not sign the presentation: it may be a copy.",
    ),
    "holder.subject_mismatch": _T(
        "資格の持ち主ではない人の鍵で提示されています。",
        "It was presented with a key that is not the holder's.",
    ),
    "kb.missing": _T(
        "本人の提示（鍵による署名）がありません。写しの可能性があります。",
        "The holder did not sign the presentation: it may be a copy.",
    ),
    "kb.signature_invalid": _T(
        "本人の提示の署名が一致しません。", "The holder's signature on the presentation fails."
    ),
    "kb.nonce_mismatch": _T(
        "別の確認依頼に対する提示です（使い回し）。",
        "It was presented for another request (a replay).",
    ),
    "kb.audience_mismatch": _T("別の提出先に向けた提示です。", "It was presented to someone else."),
    "kb.stale": _T("提示から時間が経ちすぎています。", "The presentation is too old."),
    "nonce.reused": _T(
        "この提示は既に使われています（使い回し）。", "It has been presented before (a replay)."
    ),
    "nonce.expired": _T("確認依頼の期限が切れています。", "The request has expired."),
}

ROW_LABELS: Final = {
    "qualification": FIELD_LABELS["achievement"],
    "holder": _T("氏名", "Name"),
    "holder_kana": _T("氏名（フリガナ）", "Name (kana)"),
    "issuer": FIELD_LABELS["issuer"],
    "valid": _T("有効期間", "Valid"),
    "status": _T("状態", "Status"),
    "checks": _T("確認の内容", "Checks"),
}
_NAME_PARTS: Final = {
    "holder": ("familyName", "givenName"),
    "holder_kana": ("familyNameKana", "givenNameKana"),
}
_NOT_SHOWN: Final = frozenset({"id", "type", "achievement", "@context"})
# A day or a moment (2015-04-23, 2015-04-23T00:00:00+09:00) is shown as the day in Japan.
_DAY: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})?)?$")
_STATES: Final[Mapping[str, tuple[Text, Tone]]] = {
    "valid": (_T("有効", "Valid"), "good"),
    "suspended": (_T("業務停止中", "Suspended"), "bad"),
    "revoked": (_T("取消", "Revoked"), "bad"),
    "unknown": (_T("不明（確認できませんでした）", "Unknown (could not be checked)"), "unsure"),
}


@dataclass(frozen=True)
class Row:
    """One fact: its label, its value, an optional detail (the issuer's DID) and a tone."""

    label: str
    value: str
    detail: str | None = None
    tone: Tone = "plain"


@dataclass(frozen=True)
class CheckLine:
    """One check in plain words; ``reason`` and ``code`` only when it did not pass."""

    check: str
    name: str
    outcome: str
    outcome_text: str
    mark: str
    tone: Tone
    reason: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class Explanation:
    """A report, explained (see the module)."""

    lang: Lang
    verdict: str
    headline: str
    title: str
    note: str
    mark: str
    tone: Tone
    facts: tuple[Row, ...]
    checks: tuple[CheckLine, ...]
    checks_heading: str
    heading: str

    @property
    def status(self) -> Row | None:
        """The licence's status row, when the report had one."""
        wanted = ROW_LABELS["status"].get(self.lang)
        return next((row for row in self.facts if row.label == wanted), None)


def text_of(value: Any, lang: Lang) -> str | None:
    """A bilingual ``{"ja": …, "en": …}`` in ``lang`` (else the other), or a plain string."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        other = "en" if lang == "ja" else "ja"
        for key in (lang, other):
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
    return None


def day_in_japan(value: Any) -> date | None:
    """The day in Japan of a timestamp (ISO 8601 text, epoch seconds) or a date; else None."""
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            return value
        elif isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_JST).date()


def date_text(day: date, lang: Lang) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "ja" else day.isoformat()


def period_text(start: Any, end: Any, lang: Lang) -> str | None:
    """``2026年4月1日から（期限なし）`` / ``from 2026-04-01 (no end date)`` and the like."""
    first, last = day_in_japan(start), day_in_japan(end)
    if first is None and last is None:
        return None
    ja = lang == "ja"
    if first is not None and last is not None:
        sep = "〜" if ja else " to "
        return f"{date_text(first, lang)}{sep}{date_text(last, lang)}"
    if first is not None:
        return (
            f"{date_text(first, lang)}から（期限なし）"
            if ja
            else f"from {date_text(first, lang)} (no end date)"
        )
    assert last is not None
    return f"{date_text(last, lang)}まで" if ja else f"until {date_text(last, lang)}"


def _status_row(status: Mapping[str, Any], lang: Lang) -> Row | None:
    state = status.get("state")
    if not isinstance(state, str) or state not in _STATES:
        return None
    name, tone = _STATES[state]
    extras = []
    period = period_text(status.get("from"), status.get("until"), lang)
    if period is not None and state == "suspended":
        extras.append(("停止期間 " if lang == "ja" else "period ") + period)
    reason = text_of(status.get("reason"), lang)
    if reason is not None:
        extras.append(("理由 " if lang == "ja" else "reason: ") + reason)
    value = name.get(lang)
    if extras:
        joined = ("、" if lang == "ja" else "; ").join(extras)
        value += f"（{joined}）" if lang == "ja" else f" ({joined})"
    return Row(ROW_LABELS["status"].get(lang), value, tone=tone)


def _qualification(report: Mapping[str, Any], lang: Lang) -> str | None:
    qualification = report.get("qualification")
    if not isinstance(qualification, Mapping):
        return None
    name = text_of(qualification.get("name"), lang)
    if name is None and isinstance(qualification.get("id"), str):
        found = next((q for q in default_catalogue() if q.id == qualification["id"]), None)
        name = found.name.get(lang) if found is not None else qualification["id"]
    return name


def _issuer_row(report: Mapping[str, Any], lang: Lang) -> Row | None:
    issuer = report.get("issuer")
    heading = ROW_LABELS["issuer"].get(lang)
    if isinstance(issuer, str):
        return Row(heading, issuer)
    if not isinstance(issuer, Mapping):
        return None
    name, did = text_of(issuer.get("name"), lang), issuer.get("id")
    if name is None and not isinstance(did, str):
        return None
    return Row(heading, name or "", detail=did if isinstance(did, str) else None)


def holder_rows(subject: Mapping[str, Any], lang: Lang) -> list[Row]:
    """The disclosed claims: names joined, codes by their names, in the catalogue's order."""
    rows: list[Row] = []
    for row, (family, given) in _NAME_PARTS.items():
        parts = [str(subject[k]) for k in (family, given) if isinstance(subject.get(k), str)]
        if parts:
            rows.append(Row(ROW_LABELS[row].get(lang), " ".join(parts)))
    named = {part for parts in _NAME_PARTS.values() for part in parts}
    order = {field: index for index, field in enumerate(FIELD_LABELS)}
    rest = sorted(
        (k for k in subject if k not in named and k not in _NOT_SHOWN),
        key=lambda k: (order.get(k, len(order)), k),
    )
    for field in rest:
        value = subject[field]
        if value is None or isinstance(value, Mapping):
            continue
        day = day_in_japan(value) if isinstance(value, str) and _DAY.match(value) else None
        shown = date_text(day, lang) if day is not None else value_text(field, value, lang)
        rows.append(Row(label(field, lang), shown))
    return rows


def _facts(report: Mapping[str, Any], lang: Lang) -> tuple[Row, ...]:
    rows: list[Row] = []
    qualification = _qualification(report, lang)
    if qualification is not None:
        rows.append(Row(ROW_LABELS["qualification"].get(lang), qualification))
    subject = report.get("subject")
    if isinstance(subject, Mapping):
        rows += holder_rows(subject, lang)
    issuer = _issuer_row(report, lang)
    if issuer is not None:
        rows.append(issuer)
    period = period_text(report.get("validFrom"), report.get("validUntil"), lang)
    if period is not None:
        rows.append(Row(ROW_LABELS["valid"].get(lang), period))
    status = report.get("status")
    shown = _status_row(status, lang) if isinstance(status, Mapping) else None
    if shown is not None:
        rows.append(shown)
    return tuple(rows)


def _checks(report: Mapping[str, Any], lang: Lang) -> tuple[CheckLine, ...]:
    checks = report.get("checks")
    if not isinstance(checks, list):
        return ()
    lines = []
    for check in checks:
        if not isinstance(check, Mapping):
            continue
        key = str(check.get("check", ""))
        name = CHECK_NAMES[key].get(lang) if key in CHECK_NAMES else key
        found = str(check.get("outcome"))
        outcome, mark, tone = _OUTCOMES.get(found, (_T(found, found), "?", "unsure"))
        reason = code = None
        if found in ("failed", "could_not_verify"):
            raw = check.get("code")
            code = raw if isinstance(raw, str) and raw else None
            plain = REASONS[code].get(lang) if code is not None and code in REASONS else None
            reason = plain or text_of(check.get("message"), lang)
        lines.append(CheckLine(key, name, found, outcome.get(lang), mark, tone, reason, code))
    return tuple(lines)


def verdict_of(report: Mapping[str, Any]) -> str:
    """The verdict to show: the report's, but never better than its checks or ``verified``.

    A report that contradicts itself (``outcome`` verified while a check failed, or while
    ``verified`` is false) is shown at its worst, so a clerk is never told to accept it.
    """
    stated = report.get("outcome")
    verified = report.get("verified")
    if not isinstance(stated, str) or stated not in _VERDICTS:
        stated = "verified" if verified is True else "not_verified" if verified is False else None
    checks = report.get("checks")
    checks = checks if isinstance(checks, list) else []
    outcomes = [c.get("outcome") for c in checks if isinstance(c, Mapping)]
    contradicted = stated == "verified" and verified is not True and verified is not None
    if "failed" in outcomes or stated == "not_verified" or contradicted:
        return "not_verified"
    if "could_not_verify" in outcomes or stated in ("error", None):
        return "error"
    if "not_requested" in outcomes:
        return "partial"  # Verified as far as it was asked: never shown as a full pass.
    return "verified"


def explain(report: Any, *, lang: Lang = "ja") -> Explanation:
    """The report of one verification, for a person: see the module."""
    report = report if isinstance(report, Mapping) else {}
    verdict = verdict_of(report)
    headline, title, mark, tone = _VERDICTS[verdict]
    return Explanation(
        lang=lang,
        verdict=verdict,
        headline=headline.get(lang),
        title=title.get(lang),
        note=_VERDICT_NOTES[verdict].get(lang),
        mark=mark,
        tone=tone,
        facts=_facts(report, lang),
        checks=_checks(report, lang),
        checks_heading=ROW_LABELS["checks"].get(lang),
        heading=_T("資格の確認結果", "Qualification check").get(lang),
    )
