"""Bulk issuance: every registered record's current version, secured once in each form asked.

:func:`issue_all` is how a board issues its whole register (1.3 million 看護師) after an
import, and again after the next import for the records that changed. A record is due in a
form when its standing is ``registered`` and no credential of its current version in that
form exists, however it was issued (in bulk, at enrolment, by a reissue); everything else
is left alone, so running it twice issues nothing the second
time.

**Idempotence.** Each credential is named before it is made: its ``issuance_key`` is
``bulk:{subject_id}:v{version}:{form}`` (unique in ``issued_credentials``) and its id is
``urn:uuid:`` + UUID v5 of the board's DID and that key. Status allocation is idempotent
per credential id (:meth:`issuer.status.StatusRegistry.allocate_many`), and storing skips a
key already stored. So a worker killed at any moment — before, during or after allocating
its batch's indexes, while signing, while committing — leaves either nothing or the whole
batch, and the rerun allocates the same indexes to the same ids and stores each credential
once: no duplicate, no gap, no status index handed out twice or burnt.

**Claims.** A run (``bulk_runs``, revision ``i0005``) is the plan for one form: the
registered records cut into id ranges of ``batch_size`` records (``bulk_claims``). Claiming
directly on ``register_records`` would make every claim rescan the records already done
(``NOT EXISTS`` over a growing prefix), which at 1.3 million is quadratic; a range claim is
one indexed row. On PostgreSQL a worker takes the first open range with ``SELECT … FOR
UPDATE SKIP LOCKED`` and keeps that transaction open while it allocates, signs and stores
the batch, then marks the range done in the same commit: another worker skips the locked
range, and a killed worker's connection drops, PostgreSQL rolls its transaction back and
the range is open again — no lease, no timeout. Any number of workers on any number of
machines share one run. On SQLite there is one writer at a time (``BEGIN IMMEDIATE``), so a
worker reads its range, allocates and signs outside any transaction (the status registry may
share the file) and stores in a short one; a range two SQLite workers both took is stored
once, by the key. A run is finished when no open range is left; :func:`issue_all` joins the
unfinished run of its form, or plans a new one (records imported after the plan wait for the
next run).

**Holder binding.** What does a board bulk-issue? Not the holder's wallet credential: that
one is bound (``cnf``) to a key the holder proves at enrolment (the My Number Card's key, or
a wallet key) and is issued then, one holder at a time, through OpenID4VCI. Before
enrolment the board has no holder key, so bulk issuance secures the *register's* credential
for every record: no ``cnf``, status entries allocated, signed and stored. That is what the
board needs at scale: every registered person has a status entry from day one (a 処分 can
be published for someone who never enrolled), the board's published copy of the register is
signed (employers and 都道府県 can check it, the kiosk and paper channels can hand it out),
and a reissue after a name change or a key rotation is one run. Where the board does know
a holder's key (re-issuing the enrolled after a key rotation), ``holder_of`` gives it per
subject and the JOSE forms carry ``cnf``; the issuance key stays the same, so a record
version is still issued once per form.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import socket
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from issuer.board import Board, open_board
from issuer.jose_forms import FORMS, Form, HolderBinding, TokenStatus, issue_jose_credential
from issuer.securing import DI_SUITES, secure
from issuer.settings import IssuerSettings
from issuer.status.models import UTCDateTime
from issuer.store.models import Base, CredentialRow, EventRow, RecordRow
from service_kit.db import among, insert_rows, transact
from vc_core.di import default_verification_method
from vc_core.entropy import RandomPool
from vc_core.errors import BoardError
from vc_core.jsonout import compact
from vc_core.status import BitstringStatusListEntry
from vc_schemas.builder import build_credential
from vc_schemas.policy import DisclosurePolicy, disclosure_policy
from vc_schemas.record import RegisterRecord

__all__ = [
    "BULK_FORMS",
    "BulkClaim",
    "BulkReport",
    "BulkRun",
    "credential_id_of",
    "issuance_key",
    "issue_all",
    "plan_run",
    "run_batches",
    "run_progress",
    "run_workers",
    "worker_main",
]

#: The forms bulk issuance secures: SD-JWT VC (ES256, the fast path) and the DI suites.
BULK_FORMS: Final = ("dc+sd-jwt", *DI_SUITES)
HolderOf = Callable[[str], HolderBinding | None]
Progress = Callable[[int, int], None]

#: ``json.dumps(…, sort_keys=True)``'s encoder, made once (an event per credential).
_SORTED: Final = json.JSONEncoder(sort_keys=True)
_DATES: Final = ("registration_date", "date_of_birth", "valid_until")


class BulkRun(Base):
    """One plan to issue the registered records in one form (see the module)."""

    __tablename__ = "bulk_runs"
    __table_args__ = (sa.Index("ix_bulk_runs_form", "form", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(256))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class BulkClaim(Base):
    """One range of record ids in a run: open, or done (by which worker, how many issued)."""

    __tablename__ = "bulk_claims"

    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("bulk_runs.id"), primary_key=True)
    first_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(128), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def issuance_key(subject_id: str, version: int, form: str) -> str:
    """The name of the bulk issuance of one record version in one form."""
    return f"bulk:{subject_id}:v{version}:{form}"


def credential_id_of(board_did: str, key: str) -> str:
    """The credential id of an issuance key: the same key always names the same id."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{board_did}#{key}')}"


@dataclass
class BulkReport:
    """What :func:`issue_all` did, per form: credentials issued, records already issued."""

    issued: dict[str, int] = field(default_factory=dict)
    already: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"issued": self.issued, "already": self.already, "batches": self.batches}


def check_forms(forms: Iterable[str]) -> tuple[str, ...]:
    """``forms`` with duplicates removed, or ``board.form_unknown``."""
    chosen = tuple(dict.fromkeys(forms))
    unknown = [f for f in chosen if f not in BULK_FORMS]
    if unknown or not chosen:
        raise BoardError(
            "board.form_unknown",
            f"bulk issuance secures {', '.join(BULK_FORMS)}; not {unknown or 'nothing'}",
        )
    return chosen


def issue_all(
    board: Board,
    *,
    forms: Sequence[str] = ("dc+sd-jwt",),
    worker_id: str = "bulk",
    batch_size: int = 1000,
    progress: Progress | None = None,
    actor: str = "bulk",
    holder_of: HolderOf | None = None,
) -> BulkReport:
    """Issue every due record in each of ``forms`` (see the module); safe to run anywhere,
    any number of times, in any number of processes at once.

    ``progress(done, total)`` is called after each batch with the run's records done so far
    (by every worker) and its size.
    """
    report = BulkReport()
    for form in check_forms(forms):
        run_id = plan_run(board, form, batch_size=batch_size, actor=actor)
        issued, already, batches = run_batches(
            board, run_id, form, worker_id=worker_id, progress=progress, holder_of=holder_of
        )
        report.issued[form] = issued
        report.already[form] = already
        report.batches += batches
    return report


def plan_run(board: Board, form: str, *, batch_size: int = 1000, actor: str = "bulk") -> int:
    """The unfinished run of ``form``, or a new one planned over the registered records."""
    if batch_size < 1:
        raise BoardError("board.form_unknown", "the batch size is at least 1")
    check_forms([form])
    store = board.store

    def work(session: Session) -> int:
        if session.get_bind().dialect.name == "postgresql":
            # One planner at a time; the others wait, then join the run it made.
            session.execute(sa.text("LOCK TABLE bulk_runs IN SHARE ROW EXCLUSIVE MODE"))
        open_run = session.scalars(
            sa.select(BulkRun.id)
            .where(BulkRun.form == form, BulkRun.finished_at.is_(None))
            .order_by(BulkRun.id)
            .limit(1)
        ).first()
        if open_run is not None:
            return open_run
        claims: list[dict[str, Any]] = []
        chunk: list[int] = []
        total = 0
        ids = session.scalars(
            sa.select(RecordRow.id)
            .where(RecordRow.standing == "registered")
            .order_by(RecordRow.id)
            .execution_options(yield_per=50_000)
        )
        for record_id in ids:
            chunk.append(record_id)
            total += 1
            if len(chunk) == batch_size:
                claims.append(_claim(chunk))
                chunk = []
        if chunk:
            claims.append(_claim(chunk))
        run = BulkRun(
            form=form, total=total, actor=actor, started_at=store.clock(), finished_at=None
        )
        session.add(run)
        session.flush()
        if claims:
            session.execute(sa.insert(BulkClaim), [{**c, "run_id": run.id} for c in claims])
        return run.id

    return transact(store.engine, work, retries=10)


def _claim(chunk: list[int]) -> dict[str, Any]:
    return {
        "first_id": chunk[0],
        "last_id": chunk[-1],
        "size": len(chunk),
        "issued": 0,
        "worker": None,
        "done_at": None,
    }


@dataclass(frozen=True)
class _Due:
    """One record version due in the batch's form."""

    subject_id: str
    version: int
    record: str
    key: str
    credential_id: str


@dataclass(frozen=True)
class _Batch:
    run_id: int
    first_id: int
    due: tuple[_Due, ...]
    already: int


def run_batches(
    board: Board,
    run_id: int,
    form: str,
    *,
    worker_id: str = "bulk",
    progress: Progress | None = None,
    holder_of: HolderOf | None = None,
) -> tuple[int, int, int]:
    """Claim and issue batches of run ``run_id`` until none is open; (issued, already, batches)."""
    store = board.store
    postgres = store.engine.dialect.name == "postgresql"
    signing = _Signing(board, form, holder_of)
    issued = already = batches = 0
    while True:
        if postgres:
            # The claim's row lock lasts until this transaction commits (see the module).
            def locked(session: Session) -> tuple[int, int] | None:
                batch = _claim_batch(session, run_id, form, board.did, skip_locked=True)
                if batch is None:
                    return None
                bodies = signing.secure(batch.due)
                return _store(
                    session, batch, bodies, form=form, worker_id=worker_id, now=board.clock()
                ), batch.already

            done = transact(store.engine, locked)
        else:
            batch = transact(
                store.engine,
                lambda s: _claim_batch(s, run_id, form, board.did, skip_locked=False),
                durable=False,
            )
            done = None if batch is None else _store_apart(board, batch, signing, worker_id)
        if done is None:
            break
        issued, already, batches = issued + done[0], already + done[1], batches + 1
        if progress is not None:
            progress(*run_progress(board, run_id))
    _finish(board, run_id)
    return issued, already, batches


def _store_apart(board: Board, batch: _Batch, signing: _Signing, worker_id: str) -> tuple[int, int]:
    """SQLite: sign outside any transaction, then store in a short one."""
    bodies = signing.secure(batch.due)

    def work(session: Session) -> int:
        return _store(
            session, batch, bodies, form=signing.form, worker_id=worker_id, now=board.clock()
        )

    return transact(board.store.engine, work, retry_unique=True), batch.already


def _claim_batch(
    session: Session, run_id: int, form: str, board_did: str, *, skip_locked: bool
) -> _Batch | None:
    query = (
        sa.select(BulkClaim)
        .where(BulkClaim.run_id == run_id, BulkClaim.done_at.is_(None))
        .order_by(BulkClaim.first_id)
        .limit(1)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    claim = session.scalars(query).first()
    if claim is None:
        return None
    rows = session.execute(
        sa.select(RecordRow.subject_id, RecordRow.version, RecordRow.record)
        .where(
            RecordRow.id >= claim.first_id,
            RecordRow.id <= claim.last_id,
            RecordRow.standing == "registered",
        )
        .order_by(RecordRow.id)
    ).all()
    have = _issued_versions(session, [r.subject_id for r in rows], form)
    due = tuple(
        _Due(r.subject_id, r.version, r.record, key, credential_id_of(board_did, key))
        for r in rows
        if (r.subject_id, r.version) not in have
        for key in (issuance_key(r.subject_id, r.version, form),)
    )
    return _Batch(run_id, claim.first_id, due, len(rows) - len(due))


def _issued_versions(session: Session, subjects: list[str], form: str) -> set[tuple[str, int]]:
    """The (subject, record version) pairs that have a credential in ``form``, however it
    was issued (bulk, enrolment, a reissue): a version is due only when it has none."""
    if not subjects:
        return set()
    rows = session.execute(
        sa.select(CredentialRow.subject_id, CredentialRow.record_version).where(
            among(session, CredentialRow.subject_id, subjects), CredentialRow.form == form
        )
    )
    return {(r[0], r[1]) for r in rows}


def _stored_keys(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(
            sa.select(CredentialRow.issuance_key).where(
                among(session, CredentialRow.issuance_key, keys)
            )
        )
    )


def _store(
    session: Session,
    batch: _Batch,
    bodies: list[tuple[_Due, str, HolderBinding | None]],
    *,
    form: str,
    worker_id: str,
    now: datetime,
) -> int:
    """Store the batch's credentials (skipping any key stored meanwhile), log them, and mark
    the range done, in the caller's transaction; how many were stored."""
    have = _stored_keys(session, [due.key for due, _, _ in bodies])
    fresh = [(due, body, holder) for due, body, holder in bodies if due.key not in have]
    if fresh:
        insert_rows(
            session,
            CredentialRow,
            [
                {
                    "credential_id": due.credential_id,
                    "issuance_key": due.key,
                    "subject_id": due.subject_id,
                    "record_version": due.version,
                    "form": form,
                    "holder_mode": None if holder is None else "cnf",
                    "holder_key": None if holder is None else json.dumps(dict(holder.jwk)),
                    "body": body,
                    "issued_at": now,
                }
                for due, body, holder in fresh
            ],
        )
        insert_rows(
            session,
            EventRow,
            [
                {
                    "at": now,
                    "actor": worker_id,
                    "action": "credential.issued",
                    "subject_id": due.subject_id,
                    "credential_id": due.credential_id,
                    "legal_basis": None,
                    "reason_code": None,
                    "details": _SORTED.encode(
                        {"form": form, "recordVersion": due.version, "issuanceKey": due.key}
                    ),
                }
                for due, _, _ in fresh
            ],
        )
    session.execute(
        sa.update(BulkClaim)
        .where(BulkClaim.run_id == batch.run_id, BulkClaim.first_id == batch.first_id)
        .values(done_at=now, worker=worker_id[:128], issued=BulkClaim.issued + len(fresh))
    )
    return len(fresh)


def run_progress(board: Board, run_id: int) -> tuple[int, int]:
    def work(session: Session) -> tuple[int, int]:
        done = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(BulkClaim.size), 0)).where(
                BulkClaim.run_id == run_id, BulkClaim.done_at.is_not(None)
            )
        )
        total = session.scalar(sa.select(BulkRun.total).where(BulkRun.id == run_id))
        return int(done or 0), int(total or 0)

    return transact(board.store.engine, work, durable=False)


def run_workers(
    settings: IssuerSettings,
    run_id: int,
    form: str,
    *,
    workers: int = 1,
    board: Board | None = None,
    progress: Progress | None = None,
    poll: float = 0.5,
) -> tuple[int, int]:
    """Run ``workers`` processes (spawned; each opens the board from ``settings``) on run
    ``run_id`` until it is done; (issued, already) over all of them.

    One worker runs in this process, on ``board`` when given. Spawned workers die with this
    process (Linux: the parent-death signal), so stopping the command stops the work; the
    rerun finishes it.
    """
    if workers == 1:
        own = board or open_board(settings)
        try:
            issued, already, _batches = run_batches(
                own, run_id, form, worker_id=_worker_name(0), progress=progress
            )
        finally:
            if board is None:
                own.close()
        return issued, already
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(worker_main, settings, run_id, form, _worker_name(n))
            for n in range(workers)
        ]
        pending = set(futures)
        while pending:
            _done, pending = wait(pending, timeout=poll)
            if progress is not None and board is not None:
                progress(*run_progress(board, run_id))
        results = [f.result() for f in futures]
    return sum(r[0] for r in results), sum(r[1] for r in results)


def worker_main(
    settings: IssuerSettings, run_id: int, form: str, worker_id: str
) -> tuple[int, int]:
    """One spawned worker: open the board, issue batches of the run until none is open."""
    _die_with_parent()
    board = open_board(settings)
    try:
        issued, already, _batches = run_batches(board, run_id, form, worker_id=worker_id)
    finally:
        board.close()
    return issued, already


def _worker_name(n: int) -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{n}"


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


def _finish(board: Board, run_id: int) -> None:
    """Mark the run finished when no range is open (ranges still held by other workers are
    open: the last worker to finish marks it)."""

    def work(session: Session) -> None:
        open_claims = session.scalar(
            sa.select(sa.func.count())
            .select_from(BulkClaim)
            .where(BulkClaim.run_id == run_id, BulkClaim.done_at.is_(None))
        )
        if not open_claims:
            session.execute(
                sa.update(BulkRun)
                .where(BulkRun.id == run_id, BulkRun.finished_at.is_(None))
                .values(finished_at=board.store.clock())
            )

    transact(board.store.engine, work)


class _Signing:
    """Allocation and securing of one batch in one form, with the board's key."""

    def __init__(self, board: Board, form: str, holder_of: HolderOf | None) -> None:
        self.board = board
        self.form = form
        self.holder_of = holder_of
        self.kid = default_verification_method(board.issuer.signer)
        self.profile = board.profile
        # Salts and decoys from blocks of os.urandom, not a system call per salt.
        self.random = RandomPool()
        self.policies: dict[str, DisclosurePolicy] = {}

    def _policy(self, qualification_id: str) -> DisclosurePolicy:
        """The qualification's disclosure policy (the default catalogue's, as
        :func:`~vc_schemas.builder.build_credential` uses), made once per worker."""
        policy = self.policies.get(qualification_id)
        if policy is None:
            policy = self.policies[qualification_id] = disclosure_policy(qualification_id)
        return policy

    def secure(self, due: Sequence[_Due]) -> list[tuple[_Due, str, HolderBinding | None]]:
        if not due:
            return []
        entries = self.board.registry.allocate_many(
            [(d.credential_id, d.subject_id) for d in due], issuer=self.board.did, actor="bulk"
        )
        now = self.board.clock()
        out: list[tuple[_Due, str, HolderBinding | None]] = []
        for d in due:
            holder = self.holder_of(d.subject_id) if self.holder_of is not None else None
            body = self._one(d, entries[d.credential_id], now, holder)
            out.append((d, body, holder))
        return out

    def _one(
        self,
        due: _Due,
        entries: tuple[BitstringStatusListEntry, ...],
        now: datetime,
        holder: HolderBinding | None,
    ) -> str:
        record = record_of(due.record)
        credential = build_credential(
            record,
            issuer=self.profile,
            issued_at=now,
            credential_id=due.credential_id,
        )
        signer = self.board.issuer.signer
        if self.form in FORMS:
            return issue_jose_credential(
                credential,
                form=cast(Form, self.form),
                signer=signer,
                kid=self.kid,
                now=now,
                holder=holder,
                status=TokenStatus.of_entries(entries),
                policy=self._policy(record.qualification_id),
                random_bytes=self.random.token_bytes,
                randbelow=self.random.randbelow,
                # build_credential checked the record and scanned the result.
                validate=False,
            )
        credential["credentialStatus"] = [e.to_json() for e in entries]
        secured = secure(
            credential,
            form=self.form,
            signer=signer,
            loader=self.board.issuer.loader,
            clock=lambda: now,
        )
        return compact(secured).decode("utf-8")


def record_of(text: str) -> RegisterRecord:
    """A stored record (canonical JSON, checked when it was imported) as a typed record.

    :func:`~vc_schemas.builder.build_credential` checks it again before anything is signed.
    """
    values: dict[str, Any] = json.loads(text)
    for name in _DATES:
        if name in values:
            values[name] = date.fromisoformat(values[name])
    if "trainings" in values:
        values["trainings"] = tuple(values["trainings"])
    return RegisterRecord(**values)
