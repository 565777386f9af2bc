"""The checks of the verification pipeline, one vocabulary for every form.

- :mod:`~verifier.checks.assemble` merges what the primitives report into the named checks of
  :class:`~verifier.policy.CheckName` and applies the policy: a required check that did not
  run is "could not verify", a check the caller did not ask for is "not requested";
- :mod:`~verifier.checks.issuer` — issuer binding and issuer trust;
- :mod:`~verifier.checks.status` — status entries of both list formats, summarised for people;
- :mod:`~verifier.checks.subject` — the qualification, schema and disclosed subject.
"""
