"""Display: Japanese and English labels for every field, and the terminal rendering (rich).

Employers read credentials in Japanese and in English. :data:`FIELD_LABELS` names every
property a JP-profile credential can carry; values that are codes are shown by name
(ISO/IEC 5218 sex, JIS X 0401 prefectures, trainings, OB achievement types). The
renderers return rich renderables and never print: the wallet and verifier CLIs decide
where output goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from vc_schemas.catalogue import Catalogue, Qualification, default_catalogue
from vc_schemas.codes import PREFECTURES, SEX_CODES
from vc_schemas.policy import DisclosurePolicy, disclosure_policy
from vc_schemas.text import Language, Text

__all__ = [
    "ACHIEVEMENT_TYPE_LABELS",
    "DISCLOSURE_LABELS",
    "FIELD_LABELS",
    "label",
    "render_catalogue",
    "render_credential",
    "render_qualification",
    "value_text",
]

_T = Text
#: Every property of a JP-profile credential, with its Japanese and English label.
FIELD_LABELS: Final[Mapping[str, Text]] = MappingProxyType(
    {
        "@context": _T("JSON-LDコンテキスト", "JSON-LD context"),
        "id": _T("識別子", "Identifier"),
        "type": _T("種別", "Type"),
        "name": _T("名称", "Name"),
        "description": _T("説明", "Description"),
        "url": _T("URL", "URL"),
        "issuer": _T("発行者", "Issuer"),
        "validFrom": _T("有効期間の開始", "Valid from"),
        "validUntil": _T("有効期間の終了", "Valid until"),
        "awardedDate": _T("登録年月日", "Date of registration"),
        "credentialSubject": _T("資格者", "Holder"),
        "credentialStatus": _T("失効・停止の確認先", "Status"),
        "credentialSchema": _T("スキーマ", "Schema"),
        "proof": _T("署名", "Proof"),
        "achievement": _T("資格", "Qualification"),
        "achievementType": _T("資格の種類", "Kind of qualification"),
        "criteria": _T("要件", "Criteria"),
        "narrative": _T("内容", "Narrative"),
        "creator": _T("免許・登録権者", "Licensing authority"),
        "humanCode": _T("資格コード", "Qualification code"),
        "inLanguage": _T("言語", "Language"),
        "registerName": _T("登録簿", "Register"),
        "legalBasis": _T("根拠法令", "Legal basis"),
        "lawTitle": _T("法令名", "Law"),
        "lawNumber": _T("法令番号", "Law number"),
        "lawId": _T("法令ID（e-Gov）", "Law id (e-Gov)"),
        "article": _T("条項", "Article"),
        "licenseNumber": _T("登録番号", "Registration number"),
        "familyName": _T("氏", "Family name"),
        "givenName": _T("名", "Given name"),
        "familyNameKana": _T("氏（フリガナ）", "Family name (kana)"),
        "givenNameKana": _T("名（フリガナ）", "Given name (kana)"),
        "formerFamilyName": _T("旧姓", "Former family name"),
        "formerFamilyNameKana": _T("旧姓（フリガナ）", "Former family name (kana)"),
        "dateOfBirth": _T("生年月日", "Date of birth"),
        "registeredSex": _T("性別", "Sex"),
        "registeredDomicilePrefecture": _T("本籍地都道府県", "Prefecture of registered domicile"),
        "nationality": _T("国籍", "Nationality"),
        "examPassedYearMonth": _T("試験合格年月", "Examination passed"),
        "completedTraining": _T("修了した研修等", "Completed training"),
        "licenseExpiryDate": _T("有効期限", "Expiry date"),
        "statusPurpose": _T("確認の目的", "Status purpose"),
        "statusListIndex": _T("番号", "Index"),
        "statusListCredential": _T("リスト", "Status list"),
    }
)

#: The OB 3.0 achievement types the catalogue uses.
ACHIEVEMENT_TYPE_LABELS: Final[Mapping[str, Text]] = MappingProxyType(
    {
        "License": _T("免許・登録", "Licence"),
        "Certification": _T("認定", "Certification"),
        "Assessment": _T("試験合格", "Examination pass"),
        "CertificateOfCompletion": _T("修了", "Certificate of completion"),
    }
)

DISCLOSURE_LABELS: Final[Mapping[str, Text]] = MappingProxyType(
    {
        "always": _T("常に表示", "always shown"),
        "selective": _T("本人が選択", "holder's choice"),
        "hidden": _T("原則非表示", "hidden by default"),
    }
)

_UNCONFIRMED: Final = _T("未確認", "unconfirmed")


def label(field: str, lang: Language = "ja") -> str:
    """The label of a credential property (the property name itself when unknown)."""
    text = FIELD_LABELS.get(field)
    return text.get(lang) if text else field


def _code_text(field: str, value: Any, lang: Language, catalogue: Catalogue) -> str | None:
    """The name of a coded value, or ``None`` when ``field`` holds no code."""
    names: Mapping[str, Text] = {
        "registeredSex": SEX_CODES,
        "achievementType": ACHIEVEMENT_TYPE_LABELS,
        "registeredDomicilePrefecture": {c: p.name for c, p in PREFECTURES.items()},
    }.get(field, {})
    if isinstance(value, str) and value in names:
        return names[value].get(lang)
    if field == "completedTraining" and isinstance(value, list):
        trainings = catalogue.trainings
        texts = [trainings[t].name.get(lang) if t in trainings else str(t) for t in value]
        return ("、" if lang == "ja" else ", ").join(texts)
    return None


def value_text(
    field: str, value: Any, lang: Language = "ja", catalogue: Catalogue | None = None
) -> str:
    """A property's value as an employer reads it: codes shown by their names."""
    catalogue = catalogue or default_catalogue()
    coded = _code_text(field, value, lang, catalogue)
    if coded is not None:
        return coded
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("id") or "")
    if isinstance(value, list):
        return ", ".join(value_text(field, v, lang, catalogue) for v in value)
    return str(value)


def _both(text: Text, lang: Language) -> str:
    return text.both(lang)


def _entry_for(credential: Mapping[str, Any], catalogue: Catalogue) -> Qualification | None:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    code = achievement.get("humanCode") if isinstance(achievement, Mapping) else None
    return next((q for q in catalogue if q.id == code), None)


def render_credential(
    credential: Mapping[str, Any],
    *,
    lang: Language = "ja",
    catalogue: Catalogue | None = None,
    policy: DisclosurePolicy | None = None,
) -> RenderableType:
    """A panel showing a (possibly selectively disclosed) credential, field by field."""
    catalogue = catalogue or default_catalogue()
    entry = _entry_for(credential, catalogue)
    if policy is None and entry is not None:
        policy = disclosure_policy(entry)
    title = _both(entry.name, lang) if entry else label("credentialSubject", lang)
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column(_both(_T("項目", "Field"), lang))
    table.add_column(_both(_T("内容", "Value"), lang))
    table.add_column(_both(_T("開示", "Disclosure"), lang), style="dim")
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    rows: list[tuple[str, str, Any]] = [
        ("/credentialSubject/achievement", "name", achievement.get("name")),
        ("/credentialSubject/achievement", "achievementType", achievement.get("achievementType")),
        ("/credentialSubject/achievement", "creator", achievement.get("creator")),
        ("/credentialSubject/achievement", "registerName", achievement.get("registerName")),
        ("/issuer", "issuer", credential.get("issuer")),
        ("/awardedDate", "awardedDate", str(credential.get("awardedDate", ""))[:10] or None),
        ("/validFrom", "validFrom", credential.get("validFrom")),
        ("/validUntil", "validUntil", credential.get("validUntil")),
    ]
    rows += [
        (f"/credentialSubject/{key}", key, value)
        for key, value in subject.items()
        if key not in ("id", "type", "achievement")
    ]
    for pointer, field, value in rows:
        if value is None:
            continue
        disclosure = policy.classify(pointer) if policy else None
        style = "yellow" if disclosure == "hidden" else None
        table.add_row(
            label(field, lang),
            RichText(value_text(field, value, lang, catalogue), style=style or ""),
            DISCLOSURE_LABELS[disclosure].get(lang) if disclosure else "",
        )
    return Panel(table, title=title, expand=False)


def render_qualification(entry: Qualification, *, lang: Language = "ja") -> RenderableType:
    """A catalogue entry with every fact, unconfirmed facts marked."""
    unconfirmed = entry.unconfirmed
    mark = f" [{_UNCONFIRMED.get(lang)}]"

    def flag(*names: str) -> str:
        return mark if any(n in unconfirmed for n in names) else ""

    table = Table(show_header=False, expand=False)
    table.add_column(style="bold")
    table.add_column()
    law = entry.law
    renewal = entry.renewal
    renewal_text = (
        _T(f"{renewal.validity_years}年ごとに更新", f"Expires every {renewal.validity_years} years")
        if renewal.expires
        else _T("期限なし", "Does not expire")
    ).get(lang)
    if renewal.note is not None:
        renewal_text += f" ({renewal.note.get(lang)})"
    sex = {True: _T("記録する", "recorded"), False: _T("記録しない", "not recorded")}
    rows = [
        (_T("ID", "ID"), entry.id, ""),
        (_T("群", "Group"), str(entry.group), ""),
        (_T("名称", "Name"), _both(entry.name, lang), ""),
        (
            FIELD_LABELS["creator"],
            " / ".join(a.name.get(lang) for a in entry.authorities),
            flag("authorities"),
        ),
        (
            FIELD_LABELS["registerName"],
            entry.register.get(lang) if entry.register else "—",
            flag("register"),
        ),
        (FIELD_LABELS["lawTitle"], law.title.get(lang), ""),
        (FIELD_LABELS["lawNumber"], law.number, flag("law.number")),
        (FIELD_LABELS["lawId"], law.egov_id or "—", flag("law.egov_id")),
        (FIELD_LABELS["article"], entry.article or "—", flag("article")),
        (FIELD_LABELS["achievementType"], entry.achievement_type, ""),
        (
            FIELD_LABELS["registeredSex"],
            sex[entry.records_sex].get(lang) if entry.records_sex is not None else "—",
            flag("records_sex"),
        ),
        (_T("更新", "Renewal"), renewal_text, flag("renewal")),
        (
            _T("処分", "Dispositions"),
            ", ".join(d.name.get(lang) for d in entry.dispositions) or "—",
            flag("dispositions"),
        ),
        (
            FIELD_LABELS["licenseNumber"],
            entry.license_number.description.get(lang),
            flag("license_number"),
        ),
        (
            FIELD_LABELS["completedTraining"],
            ", ".join(t.name.get(lang) for t in entry.trainings) or "—",
            flag("trainings"),
        ),
    ]
    for name, value, note in rows:
        table.add_row(name.get(lang), RichText(value) + RichText(note, style="yellow"))
    sources = RichText("\n".join(dict.fromkeys(entry.sources + law.sources)) or "—", style="dim")
    return Panel(
        Group(table, RichText(_both(_T("出典", "Sources"), lang), style="bold"), sources),
        title=_both(entry.name, lang),
        expand=False,
    )


def render_catalogue(entries: Iterable[Qualification], *, lang: Language = "ja") -> RenderableType:
    """One row per qualification: id, group, names, authority, type, unconfirmed facts."""
    table = Table(show_header=True, header_style="bold")
    for heading in (
        _T("ID", "ID"),
        _T("群", "Group"),
        _T("名称", "Name"),
        _T("英語名", "English name"),
        FIELD_LABELS["creator"],
        FIELD_LABELS["achievementType"],
        _UNCONFIRMED,
    ):
        table.add_column(heading.get(lang))
    for entry in entries:
        table.add_row(
            entry.id,
            str(entry.group),
            entry.name.ja,
            entry.name.en,
            entry.default_authority.name.get(lang),
            entry.achievement_type,
            str(len(entry.unconfirmed)),
        )
    return table
