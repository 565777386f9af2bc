"""Sample register records and credentials for every catalogue entry (clearly fictitious).

``shikaku schemas sample ID`` prints one, the documentation shows one, and the tests build,
sign and derive one per entry. The holder, 見本 花子, and the issuer, ``did:web`` on an
``.example`` domain (RFC 2606), do not exist; the clock is fixed so samples are stable.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Final

from vc_schemas.builder import JST, IssuerProfile, build_credential
from vc_schemas.catalogue import Catalogue, Qualification, default_catalogue
from vc_schemas.namespace import qualification_iri
from vc_schemas.record import RegisterRecord

__all__ = ["SAMPLE_ISSUED_AT", "SAMPLE_ISSUER", "sample_credential", "sample_record"]

SAMPLE_ISSUED_AT: Final = datetime(2026, 5, 1, 9, 0, tzinfo=JST)
SAMPLE_ISSUER: Final = IssuerProfile(
    id="did:web:registry.example", name="資格登録 発行者（見本）", url="https://registry.example/"
)
_NUMBERS: Final = {"serial": "123456", "care-manager": "13012345", "certificate": "第123456号"}


def sample_record(entry: Qualification) -> RegisterRecord:
    """A complete, valid, fictitious record for ``entry``, using every field it allows."""
    authority = entry.default_authority
    return RegisterRecord(
        qualification_id=entry.id,
        license_number=_NUMBERS[entry.license_number.id],
        registration_date=date(2015, 4, 23),
        family_name="見本",
        given_name="花子",
        family_name_kana="ミホン",
        given_name_kana="ハナコ",
        date_of_birth=date(1992, 7, 15),
        former_family_name="佐藤",
        former_family_name_kana="サトウ",
        sex="2" if entry.records_sex else None,
        domicile_prefecture="13",
        exam_passed="2015-03",
        trainings=tuple(t.id for t in entry.trainings),
        valid_until=date(2030, 4, 22) if entry.renewal.expires else None,
        licensing_prefecture="13" if authority.per_prefecture else None,
    )


def sample_credential(
    qualification_id: str,
    *,
    issuer: IssuerProfile = SAMPLE_ISSUER,
    holder_id: str | None = "did:example:holder",
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """The unsigned sample credential for one catalogue entry."""
    entry = (catalogue or default_catalogue()).get(qualification_id)
    return build_credential(
        sample_record(entry),
        issuer=issuer,
        issued_at=SAMPLE_ISSUED_AT,
        holder_id=holder_id,
        credential_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, qualification_iri(entry.id))}",
        catalogue=catalogue,
    )
