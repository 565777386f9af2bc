"""The qualification catalogue: every national qualification of the programme, typed.

The data lives in ``vc_schemas/data/catalogue.toml`` (its header explains the conventions);
this module loads it into frozen dataclasses and checks it: unique romaji slugs, every
reference resolved, achievement types from the Open Badges 3.0 ``AchievementType``
enumeration (OB 3.0 Appendix B, "AchievementType"), and honest provenance. A fact is unconfirmed
unless the entry lists it under ``confirmed`` and cites a source, so a new field is
unconfirmed until someone checks it, never the other way round.

Families (``衛生管理者`` …) are names DOMAIN.md lists that cover several qualifications
issued separately; :meth:`Catalogue.find` resolves both.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from typing import Any, Final, Literal, NamedTuple, TypeVar, cast

from vc_core.errors import SchemaError
from vc_schemas.codes import Prefecture
from vc_schemas.text import Text

__all__ = [
    "FACT_FIELDS",
    "LAW_FACT_FIELDS",
    "OB_ACHIEVEMENT_TYPES",
    "Authority",
    "Catalogue",
    "Disposition",
    "Family",
    "Law",
    "LicenseNumberFormat",
    "Qualification",
    "Renewal",
    "Training",
    "default_catalogue",
    "load_catalogue",
]

#: The Open Badges 3.0 AchievementType enumeration (OB 3.0 Appendix B). Extensions (``ext:…``)
#: are allowed by OB but not used by the JP profile.
OB_ACHIEVEMENT_TYPES: Final = frozenset(
    {
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)

#: The facts of a qualification entry that can be confirmed or not.
FACT_FIELDS: Final = (
    "authorities",
    "register",
    "article",
    "records_sex",
    "renewal",
    "dispositions",
    "license_number",
    "trainings",
)
#: The facts of a law that can be confirmed or not.
LAW_FACT_FIELDS: Final = ("number", "egov_id")

_SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_EGOV_ID = re.compile(r"^[1-5][0-9]{2}AC[0-9]{10}$")
_DATA_FILE = "catalogue.toml"

_T = TypeVar("_T")
Effect = Literal["none", "suspension", "revocation"]
RenewalKind = Literal["none", "expires"]


@dataclass(frozen=True)
class Authority:
    """A licensing authority; per-prefecture ones are named after a JIS X 0401 prefecture."""

    id: str
    name: Text
    url: str | None = None
    per_prefecture: bool = False
    ja_template: str | None = None
    en_template: str | None = None

    def name_for(self, prefecture: Prefecture | None) -> Text:
        """The authority's name, for one prefecture when it is per-prefecture."""
        if not self.per_prefecture or prefecture is None:
            return self.name
        values = {
            "prefecture_ja": prefecture.ja,
            "prefecture_short": prefecture.ja_short,
            "prefecture_en": prefecture.en,
        }
        assert self.ja_template is not None and self.en_template is not None
        return Text(ja=self.ja_template.format(**values), en=self.en_template.format(**values))


@dataclass(frozen=True)
class Law:
    """A governing law: title, law number (法令番号) and e-Gov law id when known."""

    id: str
    title: Text
    number: str
    egov_id: str | None
    confirmed: frozenset[str]
    sources: tuple[str, ...]

    @property
    def url(self) -> str | None:
        """The e-Gov 法令検索 page of the law, when its id is known."""
        return None if self.egov_id is None else f"https://laws.e-gov.go.jp/law/{self.egov_id}"

    @property
    def unconfirmed(self) -> frozenset[str]:
        return frozenset(LAW_FACT_FIELDS) - self.confirmed


@dataclass(frozen=True)
class Disposition:
    """A kind of administrative disposition and its effect on the status lists (DOMAIN.md)."""

    id: str
    name: Text
    effect: Effect
    status_message: int | None


@dataclass(frozen=True)
class Training:
    """A completed training a register records (臨床研修, 再教育研修 …)."""

    id: str
    name: Text


@dataclass(frozen=True)
class LicenseNumberFormat:
    """The form of a register's registration or certificate number."""

    id: str
    pattern: re.Pattern[str]
    description: Text

    def matches(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None


@dataclass(frozen=True)
class Renewal:
    """Whether the qualification expires (介護支援専門員証, 海技免状 …) and after how long."""

    kind: RenewalKind
    validity_years: int | None = None
    note: Text | None = None

    @property
    def expires(self) -> bool:
        return self.kind == "expires"


@dataclass(frozen=True)
class Qualification:
    """One catalogue entry: a qualification as its register and its law define it."""

    id: str
    group: int
    name: Text
    authorities: tuple[Authority, ...]
    register: Text | None
    law: Law
    article: str | None
    achievement_type: str
    records_sex: bool | None
    renewal: Renewal
    dispositions: tuple[Disposition, ...]
    license_number: LicenseNumberFormat
    trainings: tuple[Training, ...]
    confirmed: frozenset[str]
    sources: tuple[str, ...]
    families: tuple[str, ...] = field(default=())

    @property
    def unconfirmed(self) -> frozenset[str]:
        """Every fact not confirmed, the law's as ``law.number`` / ``law.egov_id``."""
        own = frozenset(FACT_FIELDS) - self.confirmed
        return own | {f"law.{name}" for name in self.law.unconfirmed}

    @property
    def default_authority(self) -> Authority:
        return self.authorities[0]

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON (``shikaku schemas list --json``), unconfirmed facts listed."""

        def text(value: Text | None) -> dict[str, str] | None:
            return None if value is None else {"ja": value.ja, "en": value.en}

        return {
            "id": self.id,
            "group": self.group,
            "name": text(self.name),
            "families": list(self.families),
            "authorities": [{"id": a.id, "name": text(a.name)} for a in self.authorities],
            "register": text(self.register),
            "law": {
                "id": self.law.id,
                "title": text(self.law.title),
                "number": self.law.number,
                "egovId": self.law.egov_id,
                "url": self.law.url,
            },
            "article": self.article,
            "achievementType": self.achievement_type,
            "recordsSex": self.records_sex,
            "renewal": {
                "kind": self.renewal.kind,
                "validityYears": self.renewal.validity_years,
                "note": text(self.renewal.note),
            },
            "dispositions": [d.id for d in self.dispositions],
            "licenseNumber": {
                "format": self.license_number.id,
                "pattern": self.license_number.pattern.pattern,
            },
            "trainings": [t.id for t in self.trainings],
            "unconfirmed": sorted(self.unconfirmed),
            "sources": list(dict.fromkeys(self.sources + self.law.sources)),
        }

    def authority(self, authority_id: str | None) -> Authority | None:
        """The entry's authority with that id (its first when ``None``), or ``None``."""
        if authority_id is None:
            return self.default_authority
        return next((a for a in self.authorities if a.id == authority_id), None)


@dataclass(frozen=True)
class Family:
    """A name DOMAIN.md lists that covers several separately issued qualifications."""

    id: str
    name: Text
    members: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    """Every qualification, with lookups by id, Japanese name and group."""

    qualifications: tuple[Qualification, ...]
    families: tuple[Family, ...]
    dispositions: Mapping[str, Disposition]
    trainings: Mapping[str, Training]
    authorities: Mapping[str, Authority]
    laws: Mapping[str, Law]

    def __iter__(self) -> Iterator[Qualification]:
        return iter(self.qualifications)

    def __len__(self) -> int:
        return len(self.qualifications)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.qualifications)

    def entry(self, qualification_id: str) -> Qualification | None:
        """The entry with ``qualification_id``, or ``None``."""
        return self._by_id.get(qualification_id)

    @cached_property
    def _by_id(self) -> dict[str, Qualification]:
        """The entries by id (the first of an id, as a walk in order would find), made once:
        a register's import and issuance look one up for every record."""
        by_id: dict[str, Qualification] = {}
        for entry in self.qualifications:
            by_id.setdefault(entry.id, entry)
        return by_id

    def get(self, qualification_id: str) -> Qualification:
        """The entry with ``qualification_id``; ``schema.unknown_qualification`` otherwise."""
        entry = self._by_id.get(qualification_id) if isinstance(qualification_id, str) else None
        if entry is not None:
            return entry
        raise SchemaError(
            "schema.unknown_qualification",
            f"no qualification {qualification_id[:80]!r} in the catalogue",
            qualification=qualification_id[:80],
        )

    def group(self, number: int) -> tuple[Qualification, ...]:
        return tuple(q for q in self.qualifications if q.group == number)

    def find(self, name_ja: str) -> tuple[Qualification, ...]:
        """Entries named ``name_ja``, or the members of the family of that name."""
        direct = tuple(q for q in self.qualifications if q.name.ja == name_ja)
        if direct:
            return direct
        for family in self.families:
            if family.name.ja == name_ja:
                return tuple(self.get(member) for member in family.members)
        return ()


# ---------------------------------------------------------------- loading


class _Errors:
    """Collects every problem of the data file, so one load reports them all."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, where: str, message: str) -> None:
        self.items.append({"field": where, "code": "schema.catalogue_invalid", "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise SchemaError(
                "schema.catalogue_invalid",
                f"{len(self.items)} problem(s), first: {first['field']}: {first['message']}",
                errors=self.items,
            )


def _text(value: Any, where: str, errors: _Errors) -> Text:
    if (
        isinstance(value, dict)
        and isinstance(value.get("ja"), str)
        and isinstance(value.get("en"), str)
        and value["ja"]
        and value["en"]
    ):
        return Text(ja=value["ja"], en=value["en"])
    errors.add(where, "needs non-empty 'ja' and 'en' strings")
    return Text(ja="?", en="?")


def _confirmed(
    item: Mapping[str, Any], allowed: tuple[str, ...], where: str, errors: _Errors
) -> frozenset[str]:
    confirmed = frozenset(item.get("confirmed", ()))
    for name in sorted(confirmed - frozenset(allowed)):
        errors.add(f"{where}.confirmed", f"{name!r} is not a fact name ({', '.join(allowed)})")
    if confirmed and not item.get("sources"):
        errors.add(f"{where}.sources", "a confirmed fact needs at least one source")
    return confirmed


def _unique(items: list[dict[str, Any]], kind: str, errors: _Errors) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items):
        item_id = item.get("id")
        if not isinstance(item_id, str) or not _SLUG.match(item_id):
            errors.add(f"{kind}[{index}].id", f"{item_id!r} is not a romaji slug")
            continue
        if item_id in out:
            errors.add(f"{kind}[{index}].id", f"duplicate id {item_id!r}")
        out[item_id] = item
    return out


class _Vocab(NamedTuple):
    """The tables a qualification entry refers to."""

    formats: dict[str, LicenseNumberFormat]
    dispositions: dict[str, Disposition]
    trainings: dict[str, Training]
    authorities: dict[str, Authority]
    laws: dict[str, Law]


def _vocabularies(data: Mapping[str, Any], errors: _Errors) -> _Vocab:
    formats: dict[str, LicenseNumberFormat] = {}
    for fid, item in _unique(data.get("license_number_format", []), "format", errors).items():
        try:
            pattern = re.compile(item["pattern"])
        except (KeyError, re.error) as exc:
            errors.add(f"format.{fid}.pattern", f"not a regular expression: {exc}")
            continue
        formats[fid] = LicenseNumberFormat(
            fid, pattern, _text(item.get("description"), f"format.{fid}", errors)
        )
    dispositions: dict[str, Disposition] = {}
    for did, item in _unique(data.get("disposition", []), "disposition", errors).items():
        effect = item.get("effect")
        if effect not in ("none", "suspension", "revocation"):
            errors.add(f"disposition.{did}.effect", f"unknown effect {effect!r}")
            continue
        message = item.get("status_message")
        if message is not None and not (isinstance(message, int) and 0 <= message <= 15):
            errors.add(f"disposition.{did}.status_message", "must fit a 4-bit status message")
        dispositions[did] = Disposition(
            did, _text(item.get("name"), f"disposition.{did}", errors), effect, message
        )
    trainings = {
        tid: Training(tid, _text(item.get("name"), f"training.{tid}", errors))
        for tid, item in _unique(data.get("training", []), "training", errors).items()
    }
    authorities: dict[str, Authority] = {}
    for aid, item in _unique(data.get("authority", []), "authority", errors).items():
        per_prefecture = bool(item.get("per_prefecture", False))
        if per_prefecture and not (item.get("ja_template") and item.get("en_template")):
            errors.add(f"authority.{aid}", "a per-prefecture authority needs name templates")
        authorities[aid] = Authority(
            aid,
            _text(item.get("name"), f"authority.{aid}", errors),
            item.get("url"),
            per_prefecture,
            item.get("ja_template"),
            item.get("en_template"),
        )
    laws: dict[str, Law] = {}
    for lid, item in _unique(data.get("law", []), "law", errors).items():
        egov_id = item.get("egov_id")
        if egov_id is not None and not _EGOV_ID.match(egov_id):
            errors.add(f"law.{lid}.egov_id", f"{egov_id!r} is not an e-Gov law id of an act")
        confirmed = _confirmed(item, LAW_FACT_FIELDS, f"law.{lid}", errors)
        if "egov_id" in confirmed and egov_id is None:
            errors.add(f"law.{lid}.confirmed", "confirms an egov_id it does not give")
        laws[lid] = Law(
            lid,
            _text(item.get("title"), f"law.{lid}", errors),
            str(item.get("number", "")),
            egov_id,
            confirmed,
            tuple(item.get("sources", ())),
        )
    return _Vocab(formats, dispositions, trainings, authorities, laws)


def _lookup(table: Mapping[str, _T], key: Any, where: str, errors: _Errors) -> _T | None:
    if isinstance(key, str) and key in table:
        return table[key]
    errors.add(where, f"unknown reference {key!r}")
    return None


def _renewal(value: Any, where: str, errors: _Errors) -> Renewal:
    if not isinstance(value, dict) or value.get("kind") not in ("none", "expires"):
        errors.add(where, "renewal.kind must be 'none' or 'expires'")
        return Renewal("none")
    years = value.get("validity_years")
    if value["kind"] == "expires" and not (isinstance(years, int) and years > 0):
        errors.add(where, "an expiring qualification needs validity_years")
    note = _text(value["note"], f"{where}.note", errors) if "note" in value else None
    return Renewal(cast(RenewalKind, value["kind"]), years, note)


def load_catalogue(text: str | None = None) -> Catalogue:
    """Parse and check the catalogue (the bundled data file unless ``text`` is given).

    Raises :class:`~vc_core.errors.SchemaError` ``schema.catalogue_invalid`` listing every
    problem in ``details["errors"]``.
    """
    if text is None:
        text = (resources.files("vc_schemas") / "data" / _DATA_FILE).read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError("schema.catalogue_invalid", f"not TOML: {exc}") from exc
    errors = _Errors()
    vocab = _vocabularies(data, errors)
    raw_families = _unique(data.get("family", []), "family", errors)
    member_of: dict[str, list[str]] = {}
    for fid, item in raw_families.items():
        for member in item.get("members", []):
            member_of.setdefault(member, []).append(fid)

    entries: list[Qualification] = []
    raw_entries = _unique(data.get("qualification", []), "qualification", errors)
    for qid, item in raw_entries.items():
        entry = _qualification(qid, item, vocab, errors)
        if entry is not None:
            entries.append(replace(entry, families=tuple(member_of.get(qid, ()))))
    families: list[Family] = []
    for fid, item in raw_families.items():
        members = tuple(item.get("members", ()))
        for member in members:
            if member not in raw_entries:
                errors.add(f"family.{fid}.members", f"unknown qualification {member!r}")
        families.append(Family(fid, _text(item.get("name"), f"family.{fid}", errors), members))
    names = [e.name.ja for e in entries] + [f.name.ja for f in families]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.add("qualification.name", f"two entries are named {name!r}")
    errors.raise_if_any()
    return Catalogue(
        tuple(entries),
        tuple(families),
        vocab.dispositions,
        vocab.trainings,
        vocab.authorities,
        vocab.laws,
    )


def _qualification(
    qid: str, item: Mapping[str, Any], vocab: _Vocab, errors: _Errors
) -> Qualification | None:
    where = f"qualification.{qid}"
    formats, dispositions, trainings, authorities, laws = vocab
    group = item.get("group")
    if group not in (1, 2):
        errors.add(f"{where}.group", "group must be 1 or 2")
    achievement_type = item.get("achievement_type")
    if achievement_type not in OB_ACHIEVEMENT_TYPES:
        errors.add(f"{where}.achievement_type", f"{achievement_type!r} is not an OB 3.0 type")
    records_sex = item.get("records_sex")
    if records_sex is not None and not isinstance(records_sex, bool):
        errors.add(f"{where}.records_sex", "must be true or false, or left out when unknown")
    auths = [
        _lookup(authorities, a, f"{where}.authorities", errors) for a in item.get("authorities", [])
    ]
    if not auths:
        errors.add(f"{where}.authorities", "needs at least one licensing authority")
    law = _lookup(laws, item.get("law"), f"{where}.law", errors)
    number_format = _lookup(formats, item.get("license_number"), f"{where}.license_number", errors)
    if not isinstance(item.get("dispositions"), list):
        errors.add(f"{where}.dispositions", "list the dispositions (empty when there are none)")
    disp = [
        _lookup(dispositions, d, f"{where}.dispositions", errors)
        for d in item.get("dispositions", [])
    ]
    train = [_lookup(trainings, t, f"{where}.trainings", errors) for t in item.get("trainings", [])]
    register = _text(item["register"], f"{where}.register", errors) if "register" in item else None
    entry = Qualification(
        id=qid,
        group=cast(int, group),
        name=_text(item.get("name"), where, errors),
        authorities=tuple(a for a in auths if a is not None),
        register=register,
        law=cast(Law, law),
        article=item.get("article"),
        achievement_type=str(achievement_type),
        records_sex=records_sex,
        renewal=_renewal(item.get("renewal"), f"{where}.renewal", errors),
        dispositions=tuple(d for d in disp if d is not None),
        license_number=cast(LicenseNumberFormat, number_format),
        trainings=tuple(t for t in train if t is not None),
        confirmed=_confirmed(item, FACT_FIELDS, where, errors),
        sources=tuple(item.get("sources", ())),
    )
    return None if law is None or number_format is None else entry


@cache
def default_catalogue() -> Catalogue:
    """The bundled catalogue, loaded and checked once."""
    return load_catalogue()
