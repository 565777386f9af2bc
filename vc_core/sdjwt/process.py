"""Processing Disclosures into the disclosed claims (RFC 9901 §7.1, step 3 onwards).

Given the verified payload of the Issuer-signed JWT and the presented Disclosures:

1. ``_sd_alg`` must be absent or ``sha-256`` (§4.1.1) — ``sdjwt.sd_alg_unsupported``.
2. Every Disclosure is decoded and its digest computed (§4.2.3); the same Disclosure
   presented twice is ``sdjwt.disclosure_duplicate``.
3. The payload is walked recursively (§7.1 step 3.3). For each digest in an ``_sd`` array
   (§4.2.4.1) or array element ``{"...": digest}`` (§4.2.4.2):

   - a digest met twice anywhere, in the payload or inside Disclosures, is
     ``sdjwt.digest_duplicate`` (§7.1 step 3.4);
   - a matching Disclosure must be of the right kind (three elements in ``_sd``, two in
     arrays; ``sdjwt.disclosure_misplaced``), and an object property must not be named
     ``_sd`` or ``...`` nor exist already at its level (``sdjwt.claim_conflict``);
   - the disclosed value is processed the same way (recursive disclosures);
   - a digest with no Disclosure is undisclosed or a decoy: it is dropped silently.

4. A Disclosure no digest refers to is ``sdjwt.disclosure_unreferenced`` (§7.1 step 3.5).
5. ``_sd_alg``, every ``_sd`` and every unmatched ``...`` element are removed (§7.1 step 3.6).

The walk records the claim path of every Disclosure it used, which is what a holder needs to
choose Disclosures by path (:mod:`vc_core.sdjwt.present`). Nesting is bounded
(:data:`MAX_DEPTH`) so a hostile token cannot exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from vc_core.errors import SdJwtError
from vc_core.sdjwt.disclosure import SD_ALG, Disclosure, Path, parse_disclosure

__all__ = ["MAX_DEPTH", "Processed", "process_disclosures"]

#: The deepest nesting of objects, arrays and Disclosures processed.
MAX_DEPTH: Final = 64
_RESERVED: Final = frozenset({"_sd", "..."})


@dataclass(frozen=True)
class Processed:
    """The disclosed claims, and the path of each Disclosure used (keyed by digest)."""

    claims: dict[str, Any]
    paths: Mapping[str, Path]
    disclosures: Mapping[str, Disclosure]


class _Walk:
    def __init__(self, disclosures: Mapping[str, Disclosure]) -> None:
        self.disclosures = disclosures
        self.seen: set[str] = set()
        self.paths: dict[str, Path] = {}

    def _digest(self, value: Any) -> str:
        if not isinstance(value, str):
            raise SdJwtError("sdjwt.payload_malformed", "a digest must be a string")
        if value in self.seen:
            raise SdJwtError("sdjwt.digest_duplicate", digest=value)
        self.seen.add(value)
        return value

    def value(self, node: Any, path: Path, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise SdJwtError("sdjwt.payload_malformed", f"nesting deeper than {MAX_DEPTH}")
        if isinstance(node, dict):
            return self.object(node, path, depth)
        if isinstance(node, list):
            return self.array(node, path, depth)
        return node

    def object(self, node: dict[str, Any], path: Path, depth: int) -> dict[str, Any]:
        out = {k: self.value(v, (*path, k), depth + 1) for k, v in node.items() if k != "_sd"}
        digests = node.get("_sd", [])
        if not isinstance(digests, list):
            raise SdJwtError("sdjwt.payload_malformed", "_sd must be an array of digests")
        for raw in digests:
            digest = self._digest(raw)
            disclosure = self.disclosures.get(digest)
            if disclosure is None:
                continue
            name = disclosure.name
            if name is None:
                raise SdJwtError(
                    "sdjwt.disclosure_misplaced", "an array-element disclosure is in an _sd array"
                )
            if name in _RESERVED or name in out:
                raise SdJwtError("sdjwt.claim_conflict", f"claim {name[:40]!r}", claim=name)
            self.paths[digest] = (*path, name)
            out[name] = self.value(disclosure.value, (*path, name), depth + 1)
        return out

    def array(self, node: list[Any], path: Path, depth: int) -> list[Any]:
        out: list[Any] = []
        for element in node:
            if isinstance(element, dict) and "..." in element:
                if len(element) != 1:
                    raise SdJwtError(
                        "sdjwt.payload_malformed", "an array digest object has only '...'"
                    )
                digest = self._digest(element["..."])
                disclosure = self.disclosures.get(digest)
                if disclosure is None:
                    continue
                if disclosure.name is not None:
                    raise SdJwtError(
                        "sdjwt.disclosure_misplaced", "a name/value disclosure is in an array"
                    )
                element_path = (*path, str(len(out)))
                self.paths[digest] = element_path
                out.append(self.value(disclosure.value, element_path, depth + 1))
            else:
                out.append(self.value(element, (*path, str(len(out))), depth + 1))
        return out


def parse_disclosures(encoded: Sequence[str]) -> dict[str, Disclosure]:
    """Decode every Disclosure, keyed by digest; the same one twice is a duplicate."""
    found: dict[str, Disclosure] = {}
    for text in encoded:
        disclosure = parse_disclosure(text)
        if disclosure.digest in found:
            raise SdJwtError("sdjwt.disclosure_duplicate", digest=disclosure.digest)
        found[disclosure.digest] = disclosure
    return found


def process_disclosures(payload: Mapping[str, Any], disclosures: Sequence[str]) -> Processed:
    """§7.1 step 3: the claims ``payload`` discloses with ``disclosures`` (see the module)."""
    sd_alg = payload.get("_sd_alg", SD_ALG)
    if sd_alg != SD_ALG:
        raise SdJwtError("sdjwt.sd_alg_unsupported", f"_sd_alg is {str(sd_alg)[:20]!r}")
    parsed = parse_disclosures(disclosures)
    walk = _Walk(parsed)
    claims = walk.object({k: v for k, v in payload.items() if k != "_sd_alg"}, (), 0)
    unreferenced = [d for d in parsed if d not in walk.paths]
    if unreferenced:
        raise SdJwtError("sdjwt.disclosure_unreferenced", digest=unreferenced[0])
    return Processed(claims, walk.paths, parsed)
