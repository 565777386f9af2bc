"""Verdicts: the result of a verification pipeline, as a list of named checks.

Primitives raise; pipelines catch and record. A :class:`Verdict` lists every
check it ran with its outcome, and its ``outcome`` is *derived* from them,
never set by hand:

- ``verified``      — every check passed (checks that did not apply say so);
- ``not_verified``  — a check ran and found the credential wanting;
- ``error``         — shikaku could not verify at all (malformed input, a
  context it refuses to fetch, an unsupported suite): not a judgement on the
  credential.

The CLI maps these to exit codes 0, 1 and 2; the HTTP edge to 200, 422 and 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from vc_core import di
from vc_core.did import resolve_verification_method
from vc_core.errors import ShikakuError
from vc_core.problems import problem_of
from vc_core.vcdm import credential_problems

__all__ = ["Check", "Verdict", "is_could_not_verify", "run_check", "verify_credential"]

Outcome = Literal["verified", "not_verified", "error"]

_OUT_OF_PERIOD = frozenset({"credential.not_yet_valid", "credential.expired"})

CheckOutcome = Literal["passed", "failed", "could_not_verify", "not_applicable", "not_requested"]


def is_could_not_verify(code: str) -> bool:
    """Whether ``code`` means "we could not judge" rather than "we judged and refused"."""
    try:
        return problem_of(code).kind == "could_not_verify"
    except KeyError:
        return True  # An unregistered code is a bug; it must never read as a judgement.


@dataclass(frozen=True)
class Check:
    """One named check: ``ok`` is True (passed), False (failed) or None (did not run).

    A check that did not run either did not apply (``requested`` True: there was nothing to
    check) or was not requested by the caller (``requested`` False, VC-API ``options.checks``).
    """

    name: str
    ok: bool | None
    code: str | None = None
    message: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    requested: bool = True

    @property
    def outcome(self) -> CheckOutcome:
        if self.ok is True:
            return "passed"
        if self.ok is None:
            return "not_applicable" if self.requested else "not_requested"
        if self.code is not None and is_could_not_verify(self.code):
            return "could_not_verify"
        return "failed"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.name, "ok": self.ok, "outcome": self.outcome}
        if self.code is not None:
            out["code"] = self.code
        if self.message is not None:
            out["message"] = self.message
        if self.details:
            out["details"] = dict(self.details)
        return out


@dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]

    @property
    def outcome(self) -> Outcome:
        failed = [c for c in self.checks if c.ok is False]
        if any(c.code is not None and is_could_not_verify(c.code) for c in failed):
            return "error"
        if failed or not any(c.ok for c in self.checks):
            return "not_verified"
        return "verified"

    @property
    def verified(self) -> bool:
        return self.outcome == "verified"

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "outcome": self.outcome,
            "checks": [c.to_json() for c in self.checks],
        }


def run_check(name: str, action: Callable[[], Any]) -> tuple[Check, Any]:
    """Run ``action``; a :class:`ShikakuError` becomes a failed check, anything else propagates."""
    try:
        value = action()
    except ShikakuError as exc:
        details = {k: v for k, v in exc.details.items() if isinstance(v, str | int | float | bool)}
        return Check(name, False, exc.code, exc.message, details), None
    return Check(name, True), value


def verify_credential(
    credential: Any,
    *,
    loader: Any,
    resolver: Any = None,
    now: datetime | None = None,
    expected_purpose: str | None = "assertionMethod",
    extra_checks: Sequence[Callable[[Any], Check]] = (),
) -> Verdict:
    """The Data Integrity verification pipeline: data model, proofs, validity period."""
    checks: list[Check] = []
    if not isinstance(credential, dict):
        return Verdict((Check("credential.data_model", False, "credential.malformed"),))
    # One pass over the data model; the time-dependent findings are their own check.
    found = credential_problems(credential, now=now)
    problems = [p for p in found if p.code not in _OUT_OF_PERIOD]
    checks.append(
        Check("credential.data_model", True)
        if not problems
        else Check("credential.data_model", False, problems[0].code, problems[0].message)
    )

    def proofs() -> Any:
        kwargs: dict[str, Any] = {"loader": loader, "expected_purpose": expected_purpose}
        kwargs["resolver"] = resolver or resolve_verification_method
        if now is not None:
            kwargs["now"] = lambda: now
        return di.verify(credential, **kwargs)

    proof_check, verified = run_check("proof", proofs)
    if verified:
        proof_check = Check(
            "proof",
            True,
            details={
                "proofs": len(verified),
                "verificationMethod": verified[0].verification_method.id,
                "cryptosuite": verified[0].cryptosuite,
            },
        )
    checks.append(proof_check)
    if now is not None and not problems:
        late = [p for p in found if p.code in _OUT_OF_PERIOD]
        checks.append(
            Check("credential.validity_period", True)
            if not late
            else Check("credential.validity_period", False, late[0].code, late[0].message)
        )
    checks.extend(check(credential) for check in extra_checks)
    return Verdict(tuple(checks))
