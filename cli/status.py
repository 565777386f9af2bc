"""``shikaku status``: inspect and build status lists, check credentials, run a local registry.

Lists (no key, no network):

- ``decode FILE [--json]``: a status-list credential, a ``statuslist+jwt``/``+cwt``, or a bare
  encoded list (``-`` reads standard input). Signatures are NOT verified: use ``check``.
- ``encode --format w3c|ietf [--bits N] [--size N] --set INDEX[=VALUE]...``: print an encoded
  list (W3C ``encodedList``, or IETF ``lst``).

Verifier: ``check CREDENTIAL`` (JSON-LD, SD-JWT or JWT) fetches the credential's lists
(HTTPS, allowlist, size limit, timeout; or ``--lists DIR``, a folder ``publish`` wrote),
verifies them and prints the status checks as a verdict; exit 0 when every entry is 0, 1
when one is set or a list cannot be trusted (:mod:`cli.status_check`).

Issuer, on a local registry (``--db URL`` or ``--data-dir DIR``, SQLite by default):
``allocate``, ``revoke``, ``suspend``, ``reinstate``, ``tick`` and ``publish``. Dates are
Japan Standard Time days (``2025-04-01`` is 00:00 JST) or ISO 8601 times with a zone; a
suspension ``--until`` a day ends as that day begins, so the holder may practise on it.
A published list is valid for 24 hours: ``publish`` prints when the lists expire, and must
run again before then (from cron, say); it re-signs only what changed or is about to expire.

Each command imports the registry (SQLAlchemy, alembic), the verifier (httpx) or the codecs
when it runs, so ``shikaku --help`` and the other commands never load them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from cli.errors import writing

if TYPE_CHECKING:
    from issuer.status import StatusChange, StatusRegistry
    from issuer.status.publish import Publication

app = typer.Typer()

JST = timezone(timedelta(hours=9), "JST")
_EXIT = {"verified": 0, "not_verified": 1, "error": 2}
_DEFAULT_DATA_DIR = Path(".shikaku")


# A static web server serves each publication as a file: the list, its token, its dispositions.
_SUFFIX = {"jwt": ".jwt", "dispositions": ".dispositions"}


class Format(StrEnum):
    w3c = "w3c"
    ietf = "ietf"


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


# -- lists ----------------------------------------------------------------------------------------


@app.command("decode")
def decode(
    file: Annotated[str, typer.Argument(help="The list, credential or token; - for stdin")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    bits: Annotated[int, typer.Option(help="Entry width of a bare IETF lst")] = 1,
    status_size: Annotated[int, typer.Option(help="statusSize of a bare W3C encodedList")] = 1,
) -> None:
    """Decode a status list (without verifying any signature) and show its set entries."""
    from vc_core.jsonio import read_bytes
    from vc_core.status.inspect import LIST_LIMITS, decode_any

    data = read_bytes(file, limits=LIST_LIMITS)
    decoded = decode_any(data, bits=bits, status_size=status_size)
    summary = decoded.to_json()
    if as_json:
        _print_json(summary)
        return
    typer.echo(f"format:  {decoded.format} ({decoded.container}; signature not verified)")
    if summary["statusPurpose"]:
        typer.echo(f"purpose: {summary['statusPurpose']}")
    typer.echo(f"entries: {summary['size']} of {summary['bits']} bit(s)")
    typer.echo(f"set:     {len(summary['set'])}")
    for index, value in summary["set"].items():
        typer.echo(f"  {index} = {value}")


def _parse_set(items: Sequence[str]) -> list[tuple[int, int]]:
    parsed = []
    for item in items:
        index, _, value = item.partition("=")
        try:
            parsed.append((int(index), int(value, 0) if value else 1))
        except ValueError as exc:
            raise typer.BadParameter(f"--set takes INDEX or INDEX=VALUE, not {item!r}") from exc
    return parsed


@app.command("encode")
def encode(
    format: Annotated[Format, typer.Option("--format", help="w3c or ietf")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="INDEX or INDEX=VALUE (repeatable)")
    ] = None,
    bits: Annotated[int, typer.Option(help="Entry width (W3C statusSize; IETF 1/2/4/8)")] = 1,
    size: Annotated[
        int | None, typer.Option(help="Number of entries (default: the W3C minimum, 131072)")
    ] = None,
) -> None:
    """Print an encoded list with the given entries set (W3C encodedList or IETF lst)."""
    from vc_core.codecs import b64url_encode
    from vc_core.status import MIN_ENTRIES, PackedStatusList, encode_list, encode_lst

    order: Literal["msb", "lsb"] = "msb" if format is Format.w3c else "lsb"
    packed = PackedStatusList(MIN_ENTRIES if size is None else size, bits, order=order)
    for index, value in _parse_set(set_ or []):
        packed.set(index, value)
    if format is Format.w3c:
        typer.echo(encode_list(packed))
    else:
        typer.echo(b64url_encode(encode_lst(packed)))


# -- verifier -------------------------------------------------------------------------------------


@app.command("check")
def check(
    credential: Annotated[
        str, typer.Argument(help="The credential: JSON-LD, SD-JWT or JWT; - for stdin")
    ],
    allow: Annotated[
        list[str] | None,
        typer.Option("--allow", help="URL prefix lists may be fetched from (repeatable)"),
    ] = None,
    lists: Annotated[
        Path | None,
        typer.Option(
            "--lists", help="Read the lists from this folder (from status publish), not the web"
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per list")] = 5.0,
    max_bytes: Annotated[int, typer.Option(help="Largest list to download")] = 2 * 1024 * 1024,
) -> None:
    """Check a credential's status lists (verified, issuer's own); print the status checks."""
    from cli.status_check import check_status
    from vc_core.jsonio import read_text
    from verifier.status import FetchPolicy

    text = read_text(credential)
    policy = FetchPolicy(allow=tuple(allow or ()), max_bytes=max_bytes, timeout=timeout)
    try:
        verdict = check_status(text, policy=policy, folder=lists)
    except ValueError as exc:
        raise typer.BadParameter("the credential is not JSON, an SD-JWT or a JWT") from exc
    _print_json(verdict.to_json())
    raise typer.Exit(_EXIT[verdict.outcome])


def published_file(url: str, fmt: str) -> str:
    """The file a list URL is published as: its last path segment, ``.jwt`` for the token,
    ``.dispositions`` for a suspension list's dispositions document."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return name + _SUFFIX.get(fmt, "")


def _write_publications(publications: Sequence[Publication], out: Path) -> list[dict[str, str]]:
    """Write each publication to ``out`` as a static web server serves it; what was written."""
    written = []
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
        for publication in publications:
            name = published_file(publication.url, publication.format)
            (out / name).write_bytes(publication.body)
            written.append(
                {
                    "url": publication.url,
                    "file": name,
                    "etag": publication.etag,
                    "validUntil": publication.valid_until.isoformat(timespec="seconds"),
                }
            )
    return written


# -- issuer registry ------------------------------------------------------------------------------

DbOption = Annotated[
    str | None, typer.Option("--db", envvar="SHIKAKU_STATUS_DB", help="Registry database URL")
]
DataDirOption = Annotated[
    Path, typer.Option("--data-dir", help="Directory of the SQLite registry (without --db)")
]
BaseUrlOption = Annotated[
    str,
    typer.Option(
        "--base-url", envvar="SHIKAKU_STATUS_BASE_URL", help="HTTPS prefix of new status lists"
    ),
]
ActorOption = Annotated[str, typer.Option(help="Who decides (recorded in the audit log)")]
ReasonOption = Annotated[str, typer.Option(help="Why (recorded in the audit log)")]
LegalBasisOption = Annotated[str, typer.Option(help="The legal basis, e.g. 医師法第7条第1項")]
SubjectOption = Annotated[
    str | None, typer.Option("--subject", help="Act on every instance of this subject")
]


def _registry(
    db: str | None, data_dir: Path, base_url: str = "https://localhost/status"
) -> StatusRegistry:
    from issuer.status import RegistryConfig, StatusRegistry, default_url

    url = db or default_url(data_dir)
    return StatusRegistry.open(url, RegistryConfig(base_url=base_url))


def _target(credential_id: str | None, subject: str | None) -> dict[str, str | None]:
    if (credential_id is None) == (subject is None):
        raise typer.BadParameter("give a CREDENTIAL_ID or --subject, not both or neither")
    return {"credential_id": credential_id, "subject_id": subject}


def _when(value: str | None) -> datetime | None:
    """A JST day or an ISO 8601 time with a zone."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=JST)
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date or an ISO 8601 time") from exc
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{value!r} needs a time zone (or give a date)")
    return moment


def _changes(changes: Sequence[StatusChange]) -> list[dict[str, Any]]:
    return [
        {
            "credential": c.credential_id,
            "purpose": c.purpose,
            "statusListCredential": c.list_url,
            "index": c.index,
            "from": c.old_value,
            "to": c.new_value,
        }
        for c in changes
    ]


@app.command("allocate")
def allocate(
    *,
    credential_id: Annotated[str, typer.Argument(help="The new credential instance's id")],
    issuer: Annotated[str, typer.Option(help="The issuer (DID) whose lists to use")],
    base_url: BaseUrlOption,
    subject: SubjectOption = None,
    purpose: Annotated[
        list[str] | None, typer.Option(help="revocation, suspension, message (repeatable)")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = _DEFAULT_DATA_DIR,
) -> None:
    """Give a credential random status entries; print its credentialStatus."""
    registry = _registry(db, data_dir, base_url)
    try:
        entries = registry.allocate(
            credential_id, issuer=issuer, subject_id=subject, purposes=purpose or None
        )
    finally:
        registry.close()
    _print_json([entry.to_json() for entry in entries])


@app.command("revoke")
def revoke(
    *,
    reason: ReasonOption,
    legal_basis: LegalBasisOption,
    actor: ActorOption,
    credential_id: Annotated[str | None, typer.Argument(help="The credential id")] = None,
    subject: SubjectOption = None,
    code: Annotated[
        int, typer.Option(help="Reason code: 3 取消, 4 死亡, 5 抹消, 6 再発行, 7 満了")
    ] = 3,
    db: DbOption = None,
    data_dir: DataDirOption = _DEFAULT_DATA_DIR,
) -> None:
    """Revoke a credential (or every instance of --subject). Irreversible."""
    registry = _registry(db, data_dir)
    try:
        changes = registry.revoke(
            **_target(credential_id, subject),
            code=code,
            reason=reason,
            legal_basis=legal_basis,
            actor=actor,
        )
    finally:
        registry.close()
    _print_json(_changes(changes))


@app.command("suspend")
def suspend(
    *,
    reason: ReasonOption,
    legal_basis: LegalBasisOption,
    actor: ActorOption,
    credential_id: Annotated[str | None, typer.Argument(help="The credential id")] = None,
    subject: SubjectOption = None,
    starts: Annotated[str | None, typer.Option("--from", help="First day suspended")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Day it is valid again")] = None,
    code: Annotated[int, typer.Option(help="1 業務停止, 2 名称使用停止")] = 1,
    db: DbOption = None,
    data_dir: DataDirOption = _DEFAULT_DATA_DIR,
) -> None:
    """Suspend now, or from --from; until --until or until reinstated."""
    registry = _registry(db, data_dir)
    try:
        schedule, changes = registry.suspend(
            **_target(credential_id, subject),
            starts_at=_when(starts),
            ends_at=_when(until),
            code=code,
            reason=reason,
            legal_basis=legal_basis,
            actor=actor,
        )
    finally:
        registry.close()
    _print_json(
        {
            "schedule": {
                "id": schedule.id,
                "from": schedule.starts_at.isoformat(),
                "until": schedule.ends_at.isoformat() if schedule.ends_at else None,
            },
            "changes": _changes(changes),
        }
    )


@app.command("reinstate")
def reinstate(
    *,
    reason: ReasonOption,
    legal_basis: LegalBasisOption,
    actor: ActorOption,
    credential_id: Annotated[str | None, typer.Argument(help="The credential id")] = None,
    subject: SubjectOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = _DEFAULT_DATA_DIR,
) -> None:
    """End every current or future suspension now (e.g. a court's stay)."""
    registry = _registry(db, data_dir)
    try:
        changes = registry.reinstate(
            **_target(credential_id, subject), reason=reason, legal_basis=legal_basis, actor=actor
        )
    finally:
        registry.close()
    _print_json(_changes(changes))


@app.command("tick")
def tick(
    db: DbOption = None,
    data_dir: DataDirOption = _DEFAULT_DATA_DIR,
) -> None:
    """Apply due scheduled suspensions and their ends; safe to run as often as you like."""
    registry = _registry(db, data_dir)
    try:
        report = registry.tick()
    finally:
        registry.close()
    _print_json({"schedules": list(report.schedules), "changes": _changes(report.changes)})


@app.command("publish")
def publish(
    key: Annotated[Path, typer.Option(help="The issuer's private JWK (its did:key issues)")],
    out: Annotated[Path, typer.Option(help="Directory to write the signed lists to")],
    db: DbOption = None,
    data_dir: DataDirOption = _DEFAULT_DATA_DIR,
) -> None:
    """Sign the issuer's lists and write them to --out, each as a W3C credential and a token.

    A list is named by the last segment of its URL (the token adds .jwt). Each list is valid
    for 24 hours: run publish again before then (hourly from cron, say); it re-signs only the
    lists that changed or are close to expiring.
    """
    from cli.loader import cli_loader
    from issuer.status.publish import StatusPublisher
    from vc_core.keys import load_key

    registry = _registry(db, data_dir)
    try:
        publisher = StatusPublisher(registry, signer=load_key(key), loader=cli_loader())
        written = _write_publications(publisher.publish_all(), out)  # nothing: exit 2
    finally:
        registry.close()
    _print_json(written)
    if written:
        expires = min(item["validUntil"] for item in written)
        typer.echo(f"the lists expire at {expires}: publish again before then", err=True)
