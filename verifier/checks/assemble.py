"""From the primitives' checks to the pipeline's vocabulary, under a policy.

The primitives (``vc_core.verdict.verify_credential``, ``vc_core.sdjwt.verify_sd_jwt``,
``vc_core.jose.vc.verify_vc_jwt``) name their checks after their own steps. The pipeline
reports every form in one vocabulary (:class:`~verifier.policy.CheckName`): several primitive
checks may land on one name (an SD-JWT's ``typ`` and its serialization both say whether the
input is the form it claims), and then the first failure speaks for them.

:class:`Checks` collects, and :meth:`Checks.verdict` applies the policy: every name appears
once, in vocabulary order; a required check that never ran fails with
``verify.check_unavailable`` (could not verify); a check outside the caller's requested set is
reported ``not requested``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vc_core.errors import ShikakuError
from vc_core.verdict import Check, Verdict
from verifier.policy import CheckName

__all__ = ["PRIMITIVE_NAMES", "Checks"]

#: Where each primitive check lands in the pipeline's vocabulary.
PRIMITIVE_NAMES: dict[str, CheckName] = {
    "format": CheckName.FORMAT,
    "credential": CheckName.FORMAT,
    "sd_jwt.format": CheckName.FORMAT,
    "jose.typ": CheckName.FORMAT,
    "credential.data_model": CheckName.DATA_MODEL,
    "sd_jwt_vc.claims": CheckName.DATA_MODEL,
    "proof": CheckName.PROOF,
    "jose.signature": CheckName.PROOF,
    "sd_jwt.issuer_signature": CheckName.PROOF,
    "sd_jwt.disclosures": CheckName.PROOF,
    "credential.validity_period": CheckName.VALIDITY,
    "jose.validity_period": CheckName.VALIDITY,
    "schema": CheckName.SCHEMA,
    "sd_jwt.key_binding": CheckName.HOLDER_BINDING,
    "holder.certificate": CheckName.HOLDER_CERTIFICATE,
}

# Codes that say "the key is not the issuer's" whichever step noticed it.
_BINDING_CODES = frozenset(
    {"jose.issuer_mismatch", "trust.key_mismatch", "trust.resolution_failed"}
)


def _merge(name: CheckName, checks: list[Check]) -> Check:
    failed = [c for c in checks if c.ok is False]
    if failed:
        first = failed[0]
        return Check(name, False, first.code, first.message, first.details)
    passed = [c for c in checks if c.ok]
    if passed:
        details: dict[str, Any] = {}
        for check in passed:
            details.update(check.details)
        return Check(name, True, details=details)
    return Check(name, None, message=checks[0].message, details=checks[0].details)


class Checks:
    """Checks gathered for one credential or presentation, by vocabulary name."""

    def __init__(self, wanted: frozenset[CheckName], required: frozenset[CheckName]) -> None:
        self.wanted = wanted
        self.required = required
        self._found: dict[CheckName, list[Check]] = {}

    def wants(self, name: CheckName) -> bool:
        return name in self.wanted

    def add(self, name: CheckName, check: Check) -> None:
        self._found.setdefault(name, []).append(check)

    def passed(self, name: CheckName, **details: Any) -> None:
        self.add(name, Check(name, True, details=details))

    def failed(self, name: CheckName, error: ShikakuError) -> None:
        safe = {k: v for k, v in error.details.items() if isinstance(v, str | int | float | bool)}
        self.add(name, Check(name, False, error.code, error.message, safe))

    def not_applicable(self, name: CheckName, message: str) -> None:
        self.add(name, Check(name, None, message=message))

    def run(self, name: CheckName, action: Callable[[], dict[str, Any] | None]) -> bool:
        """Run ``action`` as check ``name``; a ShikakuError fails it. True when it passed."""
        try:
            details = action()
        except ShikakuError as exc:
            self.failed(name, exc)
            return False
        self.passed(name, **(details or {}))
        return True

    def absorb(self, primitive: Iterable[Check]) -> None:
        """Take a primitive verdict's checks, renamed into the vocabulary."""
        for check in primitive:
            name = PRIMITIVE_NAMES.get(check.name)
            if name is None and check.name.startswith("status"):
                name = CheckName.STATUS
            if name is None:
                name = CheckName.DATA_MODEL
            if name is CheckName.PROOF and check.code in _BINDING_CODES:
                name = CheckName.ISSUER_BINDING
            self.add(name, Check(name, check.ok, check.code, check.message, check.details))

    def get(self, name: CheckName) -> Check | None:
        found = self._found.get(name)
        return _merge(name, found) if found else None

    def ok(self, name: CheckName) -> bool:
        check = self.get(name)
        return check is not None and check.ok is True

    def verdict(self) -> Verdict:
        out: list[Check] = []
        for name in CheckName:
            check = self.get(name)
            if name not in self.wanted:
                out.append(Check(name, None, message="not requested", requested=False))
            elif check is None and name in self.required:
                out.append(
                    Check(
                        name,
                        False,
                        "verify.check_unavailable",
                        f"the policy requires the {name} check but it could not run",
                    )
                )
            elif check is None:
                out.append(Check(name, None, message="did not apply"))
            else:
                out.append(check)
        return Verdict(tuple(out))
