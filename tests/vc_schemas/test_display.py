"""Display: a Japanese and an English label for every field and qualification; the rendering."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from vc_schemas.catalogue import default_catalogue
from vc_schemas.display import (
    FIELD_LABELS,
    label,
    render_catalogue,
    render_credential,
    render_qualification,
    value_text,
)
from vc_schemas.samples import sample_credential
from vc_schemas.text import Language

IDS = default_catalogue().ids


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node))
    return set()


def _text(renderable: Any, width: int = 200) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("qualification_id", IDS)
def test_every_field_and_qualification_has_both_labels(qualification_id: str) -> None:
    credential = sample_credential(qualification_id)
    for key in _keys(credential):
        assert key in FIELD_LABELS, key
        assert label(key, "ja") != label(key, "en") or key in ("url", "id")
    entry = default_catalogue().get(qualification_id)
    assert entry.name.ja and entry.name.en and entry.name.ja != entry.name.en


def test_codes_are_shown_by_name() -> None:
    assert value_text("registeredSex", "2", "ja") == "女"
    assert value_text("registeredSex", "1", "en") == "Male"
    assert value_text("registeredDomicilePrefecture", "47", "ja") == "沖縄県"
    assert value_text("registeredDomicilePrefecture", "01", "en") == "Hokkaido"
    assert value_text("completedTraining", ["rinsho-kenshu"], "ja") == "臨床研修修了"
    assert value_text("achievementType", "License", "en") == "Licence"
    assert value_text("issuer", {"id": "did:x", "name": "発行者"}) == "発行者"
    assert label("nonsense") == "nonsense"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_credential_rendering_shows_labels_values_and_disclosure(lang: Language) -> None:
    text = _text(render_credential(sample_credential("ishi"), lang=lang))
    for field in ("licenseNumber", "familyName", "registeredSex", "creator"):
        assert label(field, lang) in text
    assert "123456" in text and "見本" in text and "厚生労働大臣" in text
    hidden = "原則非表示" if lang == "ja" else "hidden by default"
    assert hidden in text
    assert ("医師 / Physician" if lang == "ja" else "Physician / 医師") in text


def test_a_derived_credential_renders_only_what_it_has() -> None:
    credential = sample_credential("kangoshi")
    for key in ("registeredSex", "registeredDomicilePrefecture", "dateOfBirth"):
        del credential["credentialSubject"][key]
    text = _text(render_credential(credential))
    assert "性別" not in text and "本籍" not in text and "生年月日" not in text


def test_qualification_rendering_marks_unconfirmed_facts() -> None:
    entry = default_catalogue().get("sensuishi")
    text = _text(render_qualification(entry, lang="en"))
    assert "[unconfirmed]" in text and "潜水士" in text and "347AC0000000057" in text
    confirmed = _text(render_qualification(default_catalogue().get("kaigo-shien-senmonin")))
    assert "5年ごとに更新" in confirmed
    renewal_line = next(line for line in confirmed.splitlines() if "5年ごとに更新" in line)
    assert "未確認" not in renewal_line


def test_catalogue_rendering_lists_every_entry() -> None:
    text = _text(render_catalogue(default_catalogue(), lang="en"), width=400)
    for entry in default_catalogue():
        assert entry.id in text
