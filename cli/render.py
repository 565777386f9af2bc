"""Verdicts people can read: a verification report rendered for an HR clerk (issue 10).

``shikaku vc verify --json`` prints the machine form, the report of the verification
pipeline; :func:`render_verification` shows the same report in Japanese or English: the
verdict first, then who issued which qualification to whom, valid from when until when (as
days in Japan), the licence's status (有効 / 業務停止中 / 取消), and every check in plain
words, with the reason when it did not pass.

Only what the report holds is shown, and of the holder only the claims it lists as disclosed:
a field the holder did not disclose never appears, not even as a blank. A report missing a
member, or holding one of an unexpected shape, renders what can be rendered; this module
never raises on a report. Values from the report are shown as plain text, never read as
rich markup (a licence number ``[red]…`` stays as written).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Final, Literal

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from vc_schemas.catalogue import default_catalogue
from vc_schemas.display import FIELD_LABELS, label, value_text
from vc_schemas.text import Text

__all__ = ["CHECK_NAMES", "render_verification"]

_T = Text
_JST: Final = timezone(timedelta(hours=9), "JST")

_VERDICTS: Final = {
    "verified": (_T("確認できました", "Verified"), "✔", "green"),
    "not_verified": (_T("確認できませんでした", "Not verified"), "✘", "red"),
    "error": (_T("確認できませんでした（検証不能）", "Could not verify"), "?", "yellow"),
    "partial": (_T("求めた確認のみ通りました", "Only the checks asked for passed"), "!", "yellow"),
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

_OUTCOMES: Final = {
    "passed": (_T("確認済み", "passed"), "✔", "green"),
    "failed": (_T("不合格", "failed"), "✘", "red"),
    "could_not_verify": (_T("確認できず", "could not check"), "?", "yellow"),
    "not_applicable": (_T("対象外", "not applicable"), "–", "dim"),
    "not_requested": (_T("求めていない", "not requested"), "–", "dim"),
}

#: The reasons a clerk meets most, in plain words; other codes show the report's message.
_REASONS: Final[Mapping[str, Text]] = {
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

_ROW_LABELS: Final = {
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


def _text(value: Any, lang: Literal["ja", "en"]) -> str | None:
    """A bilingual ``{"ja": …, "en": …}`` in ``lang`` (else the other), or a plain string."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        other = "en" if lang == "ja" else "ja"
        for key in (lang, other):
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
    return None


def _day(value: Any) -> date | None:
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


def _date_text(day: date, lang: Literal["ja", "en"]) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "ja" else day.isoformat()


def _period(start: Any, end: Any, lang: Literal["ja", "en"]) -> str | None:
    """``2026年4月1日から（期限なし）`` / ``from 2026-04-01 (no end date)`` and the like."""
    first, last = _day(start), _day(end)
    if first is None and last is None:
        return None
    ja = lang == "ja"
    if first is not None and last is not None:
        sep = "〜" if ja else " to "
        return f"{_date_text(first, lang)}{sep}{_date_text(last, lang)}"
    if first is not None:
        return (
            f"{_date_text(first, lang)}から（期限なし）"
            if ja
            else f"from {_date_text(first, lang)} (no end date)"
        )
    assert last is not None
    return f"{_date_text(last, lang)}まで" if ja else f"until {_date_text(last, lang)}"


def _status_text(status: Mapping[str, Any], lang: Literal["ja", "en"]) -> RichText | None:
    state = status.get("state")
    if not isinstance(state, str):
        return None
    states = {
        "valid": (_T("有効", "Valid"), "green"),
        "suspended": (_T("業務停止中", "Suspended"), "bold red"),
        "revoked": (_T("取消", "Revoked"), "bold red"),
        "unknown": (_T("不明（確認できませんでした）", "Unknown (could not be checked)"), "yellow"),
    }
    if state not in states:
        return None
    name, style = states[state]
    shown = RichText(name.get(lang), style=style)
    extras = []
    period = _period(status.get("from"), status.get("until"), lang)
    if period is not None and state == "suspended":
        extras.append(("停止期間 " if lang == "ja" else "period ") + period)
    reason = _text(status.get("reason"), lang)
    if reason is not None:
        extras.append(("理由 " if lang == "ja" else "reason: ") + reason)
    if extras:
        shown.append(
            ("（" if lang == "ja" else " (") + ("、" if lang == "ja" else "; ").join(extras)
        )
        shown.append("）" if lang == "ja" else ")")
    return shown


def _qualification(report: Mapping[str, Any], lang: Literal["ja", "en"]) -> str | None:
    qualification = report.get("qualification")
    if not isinstance(qualification, Mapping):
        return None
    name = _text(qualification.get("name"), lang)
    if name is None and isinstance(qualification.get("id"), str):
        found = next((q for q in default_catalogue() if q.id == qualification["id"]), None)
        name = found.name.get(lang) if found is not None else qualification["id"]
    return name


def _issuer(report: Mapping[str, Any], lang: Literal["ja", "en"]) -> RichText | None:
    issuer = report.get("issuer")
    if isinstance(issuer, str):
        return RichText(issuer)
    if not isinstance(issuer, Mapping):
        return None
    name, did = _text(issuer.get("name"), lang), issuer.get("id")
    if name is None and not isinstance(did, str):
        return None
    shown = RichText(name or "")
    if isinstance(did, str):
        shown.append(("\n" if name else "") + did, style="dim")
    return shown


def _holder_rows(subject: Mapping[str, Any], lang: Literal["ja", "en"]) -> list[tuple[str, str]]:
    """The disclosed claims: names joined, codes by their names, in the catalogue's order."""
    rows: list[tuple[str, str]] = []
    for row, (family, given) in _NAME_PARTS.items():
        parts = [str(subject[k]) for k in (family, given) if isinstance(subject.get(k), str)]
        if parts:
            rows.append((_ROW_LABELS[row].get(lang), " ".join(parts)))
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
        rows.append((label(field, lang), value_text(field, value, lang)))
    return rows


def _facts(report: Mapping[str, Any], lang: Literal["ja", "en"]) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    qualification = _qualification(report, lang)
    if qualification is not None:
        table.add_row(_ROW_LABELS["qualification"].get(lang), RichText(qualification))
    subject = report.get("subject")
    if isinstance(subject, Mapping):
        for name, value in _holder_rows(subject, lang):
            table.add_row(RichText(name), RichText(value))
    issuer = _issuer(report, lang)
    if issuer is not None:
        table.add_row(_ROW_LABELS["issuer"].get(lang), issuer)
    period = _period(report.get("validFrom"), report.get("validUntil"), lang)
    if period is not None:
        table.add_row(_ROW_LABELS["valid"].get(lang), RichText(period))
    status = report.get("status")
    shown = _status_text(status, lang) if isinstance(status, Mapping) else None
    if shown is not None:
        table.add_row(_ROW_LABELS["status"].get(lang), shown)
    return table


def _checks(report: Mapping[str, Any], lang: Literal["ja", "en"]) -> Table | None:
    checks = report.get("checks")
    if not isinstance(checks, list) or not checks:
        return None
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 0))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column()
    for check in checks:
        if not isinstance(check, Mapping):
            continue
        key = str(check.get("check", ""))
        name = CHECK_NAMES[key].get(lang) if key in CHECK_NAMES else key
        found = str(check.get("outcome"))
        outcome, mark, style = _OUTCOMES.get(found, (_T(found, found), "?", "yellow"))
        why = RichText(outcome.get(lang), style=style)
        if check.get("outcome") in ("failed", "could_not_verify"):
            why.append(_reason(check, lang))
        table.add_row(RichText(mark, style=style), RichText(name), why)
    return table


def _reason(check: Mapping[str, Any], lang: Literal["ja", "en"]) -> RichText:
    code = check.get("code")
    plain = _REASONS[code].get(lang) if isinstance(code, str) and code in _REASONS else None
    message = plain or _text(check.get("message"), lang)
    shown = RichText(("：" if lang == "ja" else ": ") + message if message else "")
    if isinstance(code, str) and code:
        shown.append(f" ({code})", style="dim")
    return shown


def _outcome(report: Mapping[str, Any]) -> str:
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


def render_verification(report: Mapping[str, Any], *, lang: Literal["ja", "en"]) -> RenderableType:
    """The report of one verification, for a person: see the module."""
    outcome = _outcome(report)
    title, mark, style = _VERDICTS[outcome]
    parts: list[RenderableType] = [
        RichText(f"{mark} {title.get(lang)}", style=f"bold {style}"),
        RichText(_VERDICT_NOTES[outcome].get(lang)),
        RichText(""),
        _facts(report, lang),
    ]
    checks = _checks(report, lang)
    if checks is not None:
        parts += [RichText(""), RichText(_ROW_LABELS["checks"].get(lang), style="bold"), checks]
    heading = _T("資格の確認結果", "Qualification check")
    return Panel(Group(*parts), title=heading.get(lang), border_style=style, expand=False)
