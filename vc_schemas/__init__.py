"""vc_schemas: Japan's national qualifications as the JP profile of Open Badges 3.0.

* :mod:`~vc_schemas.catalogue`: every qualification of the programme (data + typed loader);
* :mod:`~vc_schemas.registry`: our JSON-LD context and JSON Schemas, bundled and pinned,
  and the document loader that serves them beside ``vc_core``'s;
* :mod:`~vc_schemas.record` and :mod:`~vc_schemas.guard`: the typed register record and
  what must never enter a credential (My Number, address, JPKI data, dispositions);
* :mod:`~vc_schemas.builder`: a record → an unsigned JP-profile credential;
* :mod:`~vc_schemas.validate`: JSON Schema and catalogue checks of a credential;
* :mod:`~vc_schemas.policy`: default disclosure per qualification (ecdsa-sd-2023 pointers);
* :mod:`~vc_schemas.display`: Japanese/English labels and the rich terminal rendering.

Imports only ``vc_core`` and third-party packages.
"""

from vc_schemas.builder import IssuerProfile, build_credential
from vc_schemas.catalogue import Catalogue, Qualification, default_catalogue, load_catalogue
from vc_schemas.policy import DisclosurePolicy, RequestProfile, disclosure_policy
from vc_schemas.record import RegisterRecord, record_errors, record_from_mapping
from vc_schemas.registry import loader
from vc_schemas.validate import credential_problems, validate_credential

__all__ = [
    "Catalogue",
    "DisclosurePolicy",
    "IssuerProfile",
    "Qualification",
    "RegisterRecord",
    "RequestProfile",
    "build_credential",
    "credential_problems",
    "default_catalogue",
    "disclosure_policy",
    "load_catalogue",
    "loader",
    "record_errors",
    "record_from_mapping",
    "validate_credential",
]
