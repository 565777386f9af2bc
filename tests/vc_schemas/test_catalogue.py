"""Done-when 1: every qualification DOMAIN.md names is in the catalogue; the loader is strict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vc_core.errors import SchemaError
from vc_schemas.catalogue import (
    FACT_FIELDS,
    OB_ACHIEVEMENT_TYPES,
    default_catalogue,
    load_catalogue,
)

# The names exactly as ../shared/design/DOMAIN.md lists them ("The qualifications").
FIRST_GROUP = [
    "医師",
    "歯科医師",
    "薬剤師",
    "保健師",
    "助産師",
    "看護師",
    "准看護師",
    "理学療法士",
    "作業療法士",
    "視能訓練士",
    "義肢装具士",
    "言語聴覚士",
    "臨床検査技師",
    "臨床工学技士",
    "診療放射線技師",
    "歯科衛生士",
    "歯科技工士",
    "あん摩マッサージ指圧師",
    "はり師",
    "きゅう師",
    "柔道整復師",
    "救急救命士",
    "介護福祉士",
    "社会福祉士",
    "精神保健福祉士",
    "公認心理師",
    "管理栄養士",
    "栄養士",
    "保育士",
    "介護支援専門員",
    "社会保険労務士",
    "税理士",
]

SECOND_GROUP = [
    "国家戦略特別区域限定保育士",
    "受胎調節実地指導員",
    "行政書士",
    "司法試験・司法試験予備試験",
    "教員",
    "情報処理安全確保支援士",
    "一級建築士",
    "二級建築士",
    "木造建築士",
    "建築物調査員",
    "建築設備等検査員",
    "建築基準適合判定資格者",
    "構造計算適合判定資格者",
    "マンション管理士",
    "自動車整備士",
    "海技士",
    "小型船舶操縦士",
    "海事代理士",
    "衛生管理者",
    "救命艇手",
    "全国通訳案内士",
    "地域通訳案内士",
    "精神保健指定医",
    "保険医",
    "保険薬剤師",
    "死体解剖資格",
    "調理師",
    "理容師",
    "美容師",
    "給水装置工事主任技術者",
    "製菓衛生師",
    "クリーニング師",
    "専門調理師",
    "登録販売者",
    "衛生検査技師",
    "建築物環境衛生管理技術者",
    "医師少数区域経験認定医師",
    "難病指定医（協力難病指定医）",
    "小児慢性特定疾病指定医",
    "職業訓練指導員",
    "技能士",
    "キャリアコンサルタント",
    "労働安全コンサルタント",
    "労働衛生コンサルタント",
    "作業環境測定士",
    "特定社会保険労務士",
]

ANZEN_EISEI_LICENCES = [
    "第一種衛生管理者",
    "第二種衛生管理者",
    "衛生工学衛生管理者",
    "高圧室内作業主任者",
    "ガス溶接作業主任者",
    "林業架線作業主任者",
    "特級ボイラー技士",
    "一級ボイラー技士",
    "二級ボイラー技士",
    "エックス線作業主任者",
    "ガンマ線透過写真撮影作業主任者",
    "特定第一種圧力容器取扱作業主任者",
    "発破技士",
    "揚貨装置運転士",
    "特別ボイラー溶接士",
    "普通ボイラー溶接士",
    "ボイラー整備士",
    "クレーン・デリック運転士",
    "移動式クレーン運転士",
    "潜水士",
]

DOMAIN_MD = Path(__file__).resolve().parents[2] / ".." / "shared" / "design" / "DOMAIN.md"


def _names_between(text: str, start: str, end: str) -> list[str]:
    chunk = text.split(start, 1)[1].split(end, 1)[0]
    chunk = chunk.replace("and the 労働安全衛生法 licences:", ",")
    return [n.strip().rstrip(".") for n in re.split(r",\s*", chunk) if n.strip().rstrip(".")]


def test_the_lists_above_are_the_ones_domain_md_names() -> None:
    if not DOMAIN_MD.is_file():
        pytest.skip(f"{DOMAIN_MD} not present; the lists above are a copy of it")
    text = DOMAIN_MD.read_text(encoding="utf-8")
    assert _names_between(text, "First group (32):", "Second group") == FIRST_GROUP
    second = _names_between(text, "as the seed lists them:", "Each catalogue entry")
    assert second == SECOND_GROUP + ANZEN_EISEI_LICENCES


def test_group_sizes() -> None:
    assert len(FIRST_GROUP) == 32
    assert len(default_catalogue().group(1)) == 32


@pytest.mark.parametrize("name", FIRST_GROUP)
def test_first_group_qualification_is_in_the_catalogue(name: str) -> None:
    found = default_catalogue().find(name)
    assert len(found) == 1, name
    assert found[0].group == 1


@pytest.mark.parametrize("name", SECOND_GROUP + ANZEN_EISEI_LICENCES)
def test_second_group_qualification_is_in_the_catalogue(name: str) -> None:
    found = default_catalogue().find(name)
    assert found, name
    assert all(entry.group == 2 for entry in found)


@pytest.mark.parametrize("name", ANZEN_EISEI_LICENCES)
def test_each_anzen_eisei_licence_is_an_entry_of_its_own(name: str) -> None:
    (entry,) = default_catalogue().find(name)
    assert entry.name.ja == name
    assert entry.law.id == "anzen-eisei-ho"
    assert [a.id for a in entry.authorities] == ["prefectural-labour-bureau"]
    assert entry.achievement_type == "License"


def test_families_resolve_to_their_members() -> None:
    catalogue = default_catalogue()
    assert {e.name.ja for e in catalogue.find("衛生管理者")} == set(ANZEN_EISEI_LICENCES[:3])
    assert {e.id for e in catalogue.find("司法試験・司法試験予備試験")} == {
        "shiho-shiken",
        "shiho-yobi-shiken",
    }
    assert len(catalogue.find("難病指定医（協力難病指定医）")) == 2
    assert catalogue.find("弁護士") == ()


def test_every_entry_is_complete_and_honest() -> None:
    catalogue = default_catalogue()
    assert len(set(catalogue.ids)) == len(catalogue) == 99
    for entry in catalogue:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", entry.id)
        assert entry.name.ja and entry.name.en and entry.authorities
        assert entry.achievement_type in OB_ACHIEVEMENT_TYPES
        assert entry.unconfirmed == (
            (frozenset(FACT_FIELDS) - entry.confirmed)
            | {f"law.{name}" for name in entry.law.unconfirmed}
        )
        if entry.confirmed:
            assert all(s.startswith(("https://", "http://")) for s in entry.sources)
        if entry.renewal.expires:
            assert entry.renewal.validity_years
        if entry.law.egov_id is not None:
            assert entry.law.url == f"https://laws.e-gov.go.jp/law/{entry.law.egov_id}"


def test_facts_domain_md_calls_out() -> None:
    catalogue = default_catalogue()
    # 介護支援専門員証 and 海技免状 expire (DOMAIN.md); the confirmed five-year terms.
    for qid in ("kaigo-shien-senmonin", "kaigishi"):
        entry = catalogue.get(qid)
        assert entry.renewal.expires and entry.renewal.validity_years == 5
        assert "renewal" in entry.confirmed
    # 医籍 and 看護師籍 record sex; 助産師籍 does not (保健師助産師看護師法施行令 第2条).
    assert catalogue.get("ishi").records_sex is True
    assert catalogue.get("kangoshi").records_sex is True
    assert catalogue.get("josanshi").records_sex is False
    assert catalogue.get("ishi").register is not None
    assert catalogue.get("ishi").register.ja == "医籍"  # type: ignore[union-attr]
    assert {d.id for d in catalogue.get("ishi").dispositions} == {
        "reprimand",
        "medical-practice-suspension",
        "licence-revocation",
    }


def test_unknown_id_is_refused_with_a_code() -> None:
    with pytest.raises(SchemaError) as caught:
        default_catalogue().get("bengoshi")
    assert caught.value.code == "schema.unknown_qualification"


_MINIMAL = """
[[license_number_format]]
id = "serial"
pattern = '^[0-9]+$'
description = { ja = "番号", en = "Number" }
[[authority]]
id = "mhlw-minister"
name = { ja = "厚生労働大臣", en = "Minister" }
[[law]]
id = "ishi-ho"
title = { ja = "医師法", en = "Medical Practitioners' Act" }
number = "昭和23年法律第201号"
[[qualification]]
id = "ishi"
group = 1
name = { ja = "医師", en = "Physician" }
authorities = ["mhlw-minister"]
law = "ishi-ho"
achievement_type = "License"
renewal = { kind = "none" }
dispositions = []
license_number = "serial"
"""


def test_a_minimal_catalogue_loads() -> None:
    catalogue = load_catalogue(_MINIMAL)
    assert catalogue.ids == ("ishi",)
    assert catalogue.get("ishi").unconfirmed == frozenset(FACT_FIELDS) | {
        "law.number",
        "law.egov_id",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('achievement_type = "License"', 'achievement_type = "Licence"'), "achievement_type"),
        (('law = "ishi-ho"', 'law = "iryo-ho"'), "law"),
        (('id = "ishi"\n', 'id = "Ishi"\n'), ".id"),
        (("group = 1", "group = 3"), "group"),
        (("dispositions = []", 'dispositions = ["gone"]'), "dispositions"),
        (("dispositions = []", 'dispositions = []\nconfirmed = ["renewal"]'), "sources"),
        (("dispositions = []", 'dispositions = []\nconfirmed = ["colour"]'), "confirmed"),
        (('renewal = { kind = "none" }', 'renewal = { kind = "expires" }'), "renewal"),
        (("pattern = '^[0-9]+$'", "pattern = '^[0-9'"), "pattern"),
    ],
)
def test_a_bad_catalogue_is_refused_with_every_problem(change: tuple[str, str], field: str) -> None:
    old, new = change
    assert old in _MINIMAL
    with pytest.raises(SchemaError) as caught:
        load_catalogue(_MINIMAL.replace(old, new, 1))
    assert caught.value.code == "schema.catalogue_invalid"
    assert any(field in error["field"] for error in caught.value.details["errors"])


def test_duplicate_ids_and_bad_toml_are_refused() -> None:
    with pytest.raises(SchemaError, match="duplicate"):
        load_catalogue(_MINIMAL + "[[qualification]]" + _MINIMAL.split("[[qualification]]")[1])
    with pytest.raises(SchemaError) as caught:
        load_catalogue("[[qualification]\n")
    assert caught.value.code == "schema.catalogue_invalid"
