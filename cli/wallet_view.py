"""The wallet in plain words: what ``shikaku wallet add``, ``list`` and ``show`` print.

A nurse who has never heard of a credential reads these: the qualification by its name in the
catalogue (看護師), who issued it, when she received it, and the licence's status as last
checked — with when, or 未確認 (not checked) when it never was. ``show`` lists her own
fields (:func:`vc_schemas.display.render_credential`, SD-JWT disclosures decoded), marking
本籍, 性別 and 国籍 as 原則非表示 (hidden from employers by default,
:func:`vc_schemas.policy.disclosure_policy`), then the form, the holder binding (the My Number
Card, or a wallet key by its thumbprint) and what this machine could check of the issuer's
signature — never more than it checked (:class:`holder.receive.SignatureCheck`). Dates are
days in Japan; tones become colours as in ``shikaku vc verify`` (:mod:`cli.render`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from cli.render import STYLES, facts_table
from holder.receive import Binding, Received, SignatureCheck, document_of, examine
from holder.store import StoredCredential
from vc_core.errors import ShikakuError
from vc_schemas.catalogue import default_catalogue
from vc_schemas.display import FIELD_LABELS, render_credential
from vc_schemas.text import Language, Text
from verifier.explain import Row, Tone, date_text, day_in_japan, explain

__all__ = ["one_line", "qualification_name", "render_added", "render_details", "render_list"]

_T = Text
_FORMS: Final = {
    "ldp_vc": _T("W3C VC（Data Integrity 署名）", "W3C VC (Data Integrity proof)"),
    "vc+jwt": _T("W3C VC（JWT）", "W3C VC (JWT)"),
    "vc+sd-jwt": _T("W3C VC（SD-JWT、項目ごとに開示）", "W3C VC (SD-JWT, field by field)"),
    "dc+sd-jwt": _T("SD-JWT VC（項目ごとに開示）", "SD-JWT VC (field by field)"),
}
_LABELS: Final = {
    "id": _T("番号", "ID"),
    "qualification": FIELD_LABELS["achievement"],
    "issuer": FIELD_LABELS["issuer"],
    "form": _T("形式", "Form"),
    "received": _T("受け取った日", "Received"),
    "status": _T("状態（最後の確認）", "Status (last checked)"),
    "binding": _T("本人との結び付け", "Bound to"),
    "signature": _T("発行者の署名", "Issuer's signature"),
}
_NOT_CHECKED: Final = _T("未確認", "not checked")
_DATES: Final = frozenset({"validFrom", "validUntil", "awardedDate"})
_UNKNOWN: Final = _T("不明", "unknown")
_SIGNATURE: Final[dict[str, tuple[Text, Tone]]] = {
    "verified": (
        _T(
            "✔ この端末で確認しました（発行者自身の鍵による署名です）",
            "✔ checked on this machine: signed with the issuer's own key",
        ),
        "good",
    ),
    "key_unbound": (
        _T(
            "! 署名は正しいものの、署名した鍵が発行者のものかはこの端末では確認できません",
            "! the signature is sound, but this machine cannot tell whether the key "
            "that made it is the issuer's",
        ),
        "unsure",
    ),
    "not_checked": (
        _T(
            "? この端末では確認できませんでした（確認していません）",
            "? could not be checked on this machine (not checked)",
        ),
        "unsure",
    ),
}
_EMPLOYER_NOTE: Final = _T(
    "発行者が信頼できるか、取消・業務停止がないかは、提示を受けた雇用主が確認します。",
    "Whether the issuer is trusted, and whether the licence is revoked or suspended, "
    "is checked by the employer you present it to.",
)
_HIDDEN_NOTE: Final = _T(
    "「原則非表示」の項目（本籍・性別・国籍）は、あなたが選ばない限り雇用主には見せません。",
    "Fields marked 'hidden by default' (domicile, sex, nationality) are not shown to "
    "employers unless you choose to show them.",
)


def qualification_name(qualification: str | None, lang: Language) -> str:
    """The catalogue's name of a qualification, else its id, else 不明 / unknown."""
    found = next((q for q in default_catalogue() if q.id == qualification), None)
    if found is not None:
        return found.name.get(lang)
    return qualification or _UNKNOWN.get(lang)


def _day(value: object, lang: Language) -> str:
    day = day_in_japan(value)
    return date_text(day, lang) if day is not None else _UNKNOWN.get(lang)


def _status(stored: StoredCredential, lang: Language) -> tuple[str, Tone]:
    """The status as last checked, with when; 未確認 / not checked when it never was."""
    if stored.status is None:
        return _NOT_CHECKED.get(lang), "muted"
    row = explain({"status": stored.status}, lang=lang).status
    value, tone = (row.value, row.tone) if row is not None else (_UNKNOWN.get(lang), "unsure")
    checked = _day(stored.status.get("checkedAt"), lang)
    return (f"{value}（{checked}確認）" if lang == "ja" else f"{value} (checked {checked})"), tone


def _issuer(stored: StoredCredential, lang: Language) -> str:
    return stored.issuer_name or stored.issuer or _UNKNOWN.get(lang)


def one_line(stored: StoredCredential, lang: Language) -> str:
    """``1a2b3c4d 看護師 — 厚生労働大臣``: a credential named in one line."""
    name = qualification_name(stored.qualification, lang)
    return f"{stored.id[:8]} {name} — {_issuer(stored, lang)}"


def render_list(credentials: Iterable[StoredCredential], lang: Language) -> RenderableType:
    """One row per credential: id, qualification, issuer, form, received, status."""
    held = list(credentials)
    if not held:
        return RichText(
            _T(
                "ウォレットに資格証明はまだありません。shikaku wallet add FILE で追加できます。",
                "The wallet holds no credential yet; shikaku wallet add FILE adds one.",
            ).both(lang)
        )
    table = Table(show_header=True, header_style="bold")
    for key in ("id", "qualification", "issuer", "form", "received", "status"):
        table.add_column(_LABELS[key].get(lang), no_wrap=key == "id")
    for stored in held:
        status, tone = _status(stored, lang)
        table.add_row(
            stored.id[:8],
            RichText(qualification_name(stored.qualification, lang)),
            RichText(_issuer(stored, lang)),
            _FORMS[stored.format].get(lang) if stored.format in _FORMS else stored.format,
            _day(stored.received_at, lang),
            RichText(status, style=STYLES[tone]),
        )
    return table


def _binding(binding: Binding, stored: StoredCredential, lang: Language) -> Row:
    label = _LABELS["binding"].get(lang)
    if binding.mode == "card":
        value = _T("マイナンバーカード", "your My Number Card").get(lang)
        return Row(label, value, detail=binding.certificate or binding.thumbprint)
    if binding.mode == "wallet":
        held = stored.key_id is not None and stored.key_id == binding.thumbprint
        value = (
            _T("ウォレットの鍵（この端末に保管）", "a wallet key (kept in this wallet)")
            if held
            else _T(
                "ウォレットの鍵（このウォレットにはありません）",
                "a wallet key (not in this wallet)",
            )
        ).get(lang)
        return Row(label, value, detail=binding.thumbprint, tone="plain" if held else "unsure")
    if binding.subject is not None:
        named = _T("識別子のみ（鍵として読み取れません）", "an identifier only (not a key)")
        return Row(label, named.get(lang), detail=binding.subject, tone="unsure")
    return Row(label, _T("なし（誰にも結び付いていません）", "nobody").get(lang), tone="unsure")


def _signature(check: SignatureCheck, lang: Language) -> Row:
    text, tone = _SIGNATURE[check.outcome]
    detail = check.code if check.outcome == "not_checked" else check.key
    return Row(_LABELS["signature"].get(lang), text.get(lang), detail=detail, tone=tone)


def _rows(stored: StoredCredential, received: Received | None, lang: Language) -> list[Row]:
    form = _FORMS[stored.format].get(lang) if stored.format in _FORMS else stored.format
    status, tone = _status(stored, lang)
    rows = [
        Row(_LABELS["id"].get(lang), stored.id),
        Row(_LABELS["qualification"].get(lang), qualification_name(stored.qualification, lang)),
        Row(_LABELS["issuer"].get(lang), _issuer(stored, lang), detail=stored.issuer),
        Row(_LABELS["form"].get(lang), form),
        Row(_LABELS["received"].get(lang), _day(stored.received_at, lang)),
        Row(_LABELS["status"].get(lang), status, tone=tone),
    ]
    if received is not None:
        rows += [_binding(received.binding, stored, lang), _signature(received.signature, lang)]
    return rows


def render_added(
    stored: StoredCredential, received: Received, *, new: bool, lang: Language
) -> RenderableType:
    """What ``add`` kept, and what it could check of the issuer's signature."""
    title = (
        _T("ウォレットに追加しました", "Added to the wallet")
        if new
        else _T(
            "既にウォレットにあります（追加していません）",
            "Already in the wallet (not added again)",
        )
    )
    parts: list[RenderableType] = [
        facts_table(_rows(stored, received, lang)),
        RichText(""),
        RichText(_EMPLOYER_NOTE.get(lang), style="dim"),
    ]
    return Panel(Group(*parts), title=title.both(lang), expand=False)


def _recheck(stored: StoredCredential, lang: Language) -> tuple[Received | None, Row | None]:
    """The credential read again and its signature checked again, now, on this machine."""
    try:
        return examine(stored.body), None
    except ShikakuError as exc:
        failed = _T("✘ 署名を確認できませんでした", "✘ the signature check failed").get(lang)
        return None, Row(_LABELS["signature"].get(lang), failed, detail=exc.code, tone="bad")


def render_details(stored: StoredCredential, lang: Language) -> RenderableType:
    """One credential: the holder's fields (hidden-by-default ones marked), then the form,
    the binding, the status as last checked and the issuer's signature checked again."""
    received, failure = _recheck(stored, lang)
    document = received.document if received is not None else _document(stored)
    rows = _rows(stored, received, lang) + ([failure] if failure is not None else [])
    parts: list[RenderableType] = []
    if document is not None:
        parts += [
            render_credential(_for_display(document, lang), lang=lang),
            RichText(_HIDDEN_NOTE.get(lang)),
        ]
    parts += [facts_table(rows), RichText(_EMPLOYER_NOTE.get(lang), style="dim")]
    return Group(*parts)


def _document(stored: StoredCredential) -> dict[str, Any] | None:
    try:
        return document_of(stored.body, stored.format)
    except ShikakuError:
        return None


def _for_display(document: Mapping[str, Any], lang: Language) -> dict[str, Any]:
    """The document as a person reads it: the holder's fields in the catalogue's order (an
    SD-JWT's come in disclosure order) and every date as a day in Japan (2015年4月23日)."""

    def day(value: Any) -> Any:
        found = day_in_japan(value) if isinstance(value, str) and len(value) >= 10 else None
        return date_text(found, lang) if found is not None else value

    shown = {k: day(v) if k in _DATES else v for k, v in document.items()}
    subject = document.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return shown
    order = {field: index for index, field in enumerate(FIELD_LABELS)}
    fields = sorted(subject, key=lambda k: (order.get(k, len(order)), k))
    shown["credentialSubject"] = {k: day(subject[k]) for k in fields}
    return shown
