"""Issuing an SD-JWT: concealing chosen claims behind digests (RFC 9901 §4.1, §4.2).

The issuer names the claims to make selectively disclosable by JSON pointer (RFC 6901):
``/given_name`` (an object property), ``/nationalities/1`` (an array element), and both
``/address`` and ``/address/street_address`` for a recursive disclosure (§4.2.6: the
``address`` Disclosure's value itself holds an ``_sd`` digest for ``street_address``).

- §4.2.1 / §4.2.2: each concealed property becomes ``[salt, name, value]`` and its digest
  goes into the ``_sd`` array of its object; each concealed array element becomes
  ``[salt, value]`` and is replaced by ``{"...": digest}`` in place.
- §4.2.4.1: the ``_sd`` digests are sorted, so their order says nothing about the claims.
- §4.2.5: decoy digests, a random number (:func:`secrets.randbelow`) of them per object and
  per array that conceals anything, hide how many claims are concealed there.
- §4.1.1: ``_sd_alg`` is ``sha-256``.
- §4.1: the payload may not already use the reserved names ``_sd``, ``_sd_alg`` or an array
  element shaped ``{"...": …}``; such input is refused (``sdjwt.claim_conflict``).

Salts and decoys come from :mod:`secrets` unless the caller passes other sources (tests do,
for reproducible output).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from vc_core.errors import SdJwtError, SelectionError
from vc_core.jose.jws import sign_jws
from vc_core.keys import Signer
from vc_core.sdjwt.disclosure import (
    SD_ALG,
    Disclosure,
    Path,
    decoy_digest,
    make_disclosure,
    new_salt,
    parse_pointer,
    pointer,
)
from vc_core.sdjwt.serialization import SdJwt

__all__ = ["DEFAULT_DECOYS", "NO_DECOYS", "Decoys", "conceal", "issue_sd_jwt"]

_RESERVED: Final = ("_sd", "_sd_alg")


@dataclass(frozen=True)
class Decoys:
    """How many decoy digests to add to each object and array that conceals claims.

    The count is drawn uniformly from ``minimum``..``maximum`` (inclusive) for each one.
    """

    minimum: int = 1
    maximum: int = 3

    def __post_init__(self) -> None:
        if not 0 <= self.minimum <= self.maximum:
            raise ValueError("decoys need 0 <= minimum <= maximum")


#: One to three decoys per concealing object or array (the default).
DEFAULT_DECOYS = Decoys(1, 3)
#: No decoys (for reproducible test output).
NO_DECOYS = Decoys(0, 0)


class _Concealer:
    def __init__(
        self,
        paths: set[Path],
        decoys: Decoys,
        random_bytes: Callable[[int], bytes],
        randbelow: Callable[[int], int],
    ) -> None:
        self.paths = paths
        # Every proper prefix of a concealed path: the objects and arrays that hold one.
        self.holders = {path[:end] for path in paths for end in range(len(path))}
        self.used: set[Path] = set()
        self.decoys = decoys
        self.random_bytes = random_bytes
        self.randbelow = randbelow
        self.disclosures: list[Disclosure] = []

    def _decoy_count(self) -> int:
        span = self.decoys.maximum - self.decoys.minimum
        return self.decoys.minimum + (self.randbelow(span + 1) if span else 0)

    def _disclose(self, name: str | None, value: Any) -> Disclosure:
        disclosure = make_disclosure(new_salt(self.random_bytes), name, value)
        self.disclosures.append(disclosure)
        return disclosure

    def value(self, node: Any, path: Path) -> Any:
        if path not in self.holders and _plain(node):
            # Nothing is concealed inside, and nothing in it is reserved or other than plain
            # JSON: the node goes into the payload as it is.
            return node
        if isinstance(node, Mapping):
            return self.object(node, path)
        if isinstance(node, list | tuple):
            return self.array(node, path)
        return node

    def object(self, node: Mapping[str, Any], path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        digests: list[str] = []
        for name, child in node.items():
            if name in _RESERVED:
                raise SdJwtError("sdjwt.claim_conflict", f"{pointer((*path, name))} is reserved")
            child_path = (*path, name)
            # A string (most claims) is its own payload value: no walk into it.
            concealed = child if type(child) is str else self.value(child, child_path)
            if child_path in self.paths:
                self.used.add(child_path)
                digests.append(self._disclose(name, concealed).digest)
            else:
                out[name] = concealed
        if digests:
            digests.extend(decoy_digest(self.random_bytes) for _ in range(self._decoy_count()))
            out["_sd"] = sorted(digests)
        return out

    def array(self, node: Iterable[Any], path: Path) -> list[Any]:
        out: list[Any] = []
        concealed_any = False
        for index, element in enumerate(node):
            if isinstance(element, Mapping) and "..." in element:
                raise SdJwtError(
                    "sdjwt.claim_conflict", f"{pointer((*path, str(index)))} uses '...'"
                )
            element_path = (*path, str(index))
            concealed = self.value(element, element_path)
            if element_path in self.paths:
                self.used.add(element_path)
                concealed_any = True
                out.append({"...": self._disclose(None, concealed).digest})
            else:
                out.append(concealed)
        if concealed_any:
            for _ in range(self._decoy_count()):
                out.insert(self.randbelow(len(out) + 1), {"...": decoy_digest(self.random_bytes)})
        return out


def _plain(node: Any) -> bool:
    """Whether ``node`` can go into a payload as it is: only dicts, lists and scalars, no
    ``_sd`` or ``_sd_alg`` member and no ``{"...": …}`` array element (§4.1). Otherwise
    :class:`_Concealer` walks it, copying it and refusing what is reserved, with where."""
    kind = type(node)
    if kind is dict:
        return all(name not in _RESERVED and _plain(child) for name, child in node.items())
    if kind is list:
        return all(not (isinstance(e, Mapping) and "..." in e) and _plain(e) for e in node)
    return not isinstance(node, Mapping | list | tuple)


def conceal(
    claims: Mapping[str, Any],
    sd_pointers: Iterable[str],
    *,
    decoys: Decoys = DEFAULT_DECOYS,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> tuple[dict[str, Any], list[Disclosure]]:
    """The SD-JWT payload for ``claims`` with ``sd_pointers`` concealed, and the Disclosures.

    Every pointer must name a claim in ``claims`` (``selection.pointer_invalid``). The
    payload's objects and arrays that hold a concealed claim are new; the plain ones that
    hold none are those of ``claims``, so the caller treats the payload as read-only.
    """
    paths = {parse_pointer(p) for p in sd_pointers}
    concealer = _Concealer(paths, decoys, random_bytes, randbelow)
    payload = concealer.object(claims, ())
    missing = sorted(paths - concealer.used)
    if missing:
        raise SelectionError(
            "selection.pointer_invalid",
            f"{pointer(missing[0])} names no claim",
            pointer=pointer(missing[0]),
        )
    payload["_sd_alg"] = SD_ALG
    return payload, concealer.disclosures


def issue_sd_jwt(
    claims: Mapping[str, Any],
    sd_pointers: Iterable[str],
    signer: Signer,
    *,
    typ: str,
    header: Mapping[str, Any] | None = None,
    decoys: Decoys = DEFAULT_DECOYS,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> SdJwt:
    """§4: sign the concealed payload (``typ`` and ``header`` in the JOSE header)."""
    payload, disclosures = conceal(
        claims, sd_pointers, decoys=decoys, random_bytes=random_bytes, randbelow=randbelow
    )
    jwt = sign_jws({"typ": typ, **(header or {})}, payload, signer)
    return SdJwt(jwt, tuple(d.encoded for d in disclosures))
