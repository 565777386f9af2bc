"""``shikaku issuer import`` and ``shikaku issuer issue-all``: the register in, credentials out.

``import FILE`` reads a register export (CSV or JSON Lines) through a register profile
(``--profile kangoshi``, or a profile TOML file; see :mod:`issuer.register`), stores the
valid rows as versioned records and writes every refused row, with its reasons, to the
rejection report. ``issue-all`` secures every registered record's current version in the
forms asked (``dc+sd-jwt``, a Data Integrity suite, or both), in ``--workers`` processes that
claim batches from the board's database (see :mod:`issuer.bulk`): stop it at any moment and
run it again, and it finishes what is left, issuing nothing twice.

Both open the board from the settings ``shikaku serve issuer`` uses: ``--config`` (a TOML
file), ``SHIKAKU_*`` variables and the defaults (:class:`issuer.settings.IssuerSettings`).
``SHIKAKU_ENVIRONMENT=development`` on a bare data directory makes the board's key itself.
A progress bar with the rate and the time left goes to standard error when it is a terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from issuer.settings import IssuerSettings

__all__ = ["add_commands"]

_FORMS_HELP = (
    "dc+sd-jwt (SD-JWT VC, the default), di (ecdsa-sd-2023), both, or a Data Integrity "
    "suite by name (ecdsa-rdfc-2019, eddsa-rdfc-2022, ecdsa-sd-2023)."
)

ConfigOption = Annotated[
    Path | None, typer.Option(help="Settings TOML file (names as the SHIKAKU_ variables).")
]
DataDirOption = Annotated[
    Path | None, typer.Option(help="The board's data directory (or $SHIKAKU_DATA_DIR).")
]


def _settings(config: Path | None, data_dir: Path | None) -> IssuerSettings:
    from issuer.settings import IssuerSettings

    values: dict[str, Any] = {} if data_dir is None else {"data_dir": data_dir}
    return IssuerSettings.load(toml_file=config, **values)


def forms_of(choice: str) -> tuple[str, ...]:
    """The forms a ``--format`` value names (see ``_FORMS_HELP``)."""
    from issuer.bulk import check_forms

    named = {"di": ("ecdsa-sd-2023",), "both": ("dc+sd-jwt", "ecdsa-sd-2023")}
    return check_forms(named.get(choice, (choice,)))


class _Bar:
    """A rich progress bar on standard error (rate and time left), silent off a terminal."""

    def __init__(self, description: str, unit: str) -> None:
        self._progress: Any = None
        self._task: Any = None
        if not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._unit = unit
        self._progress.start()
        self._task = self._progress.add_task(description, total=None, rate="")

    def update(self, done: int, total: int | None) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, completed=done, total=total)
        speed = self._progress.tasks[0].speed
        rate = f"{speed:,.0f} {self._unit}/s" if speed else ""
        self._progress.update(self._task, rate=rate)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _count_lines(path: Path) -> int | None:
    """About how many rows ``path`` holds (its line count), for the bar's time left."""
    try:
        with path.open("rb") as handle:
            return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return None


def import_command(
    file: Annotated[Path, typer.Argument(help="The register export (.csv or .jsonl).")],
    *,
    profile: Annotated[
        str, typer.Option(help="Register profile: a shipped name (kangoshi) or a TOML file.")
    ] = "default",
    format: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from the suffix).")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Rejection report (.csv or .jsonl; default FILE.rejected.csv here)."),
    ] = None,
    actor: Annotated[str, typer.Option(help="Who imports, for the event log.")] = "import",
    batch_size: Annotated[int, typer.Option(min=1, max=50_000, help="Rows per commit.")] = 2000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes checking rows (a large register).")
    ] = 1,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Import a register export: new and changed records stored, refused rows reported."""
    import json

    from issuer.board import open_board
    from issuer.lifecycle import Lifecycle
    from issuer.register import import_register
    from vc_core.errors import BoardError

    if format not in (None, "csv", "jsonl"):
        raise BoardError("board.row_malformed", f"--format is csv or jsonl, not {format[:20]!r}")
    settings = _settings(config, data_dir)
    report_path = report or Path.cwd() / f"{file.stem}.rejected.csv"
    board = open_board(settings)
    bar = _Bar("import", "rows")
    total = _count_lines(file) if sys.stderr.isatty() else None
    try:
        result = import_register(
            board,
            file,
            profile=profile,
            format=format,  # type: ignore[arg-type]
            actor=actor,
            report=report_path,
            batch_size=batch_size,
            workers=workers,
            progress=lambda done: bar.update(done, total),
            # A changed row (籍訂正: a new name) reissues the holder's credentials.
            on_changed=Lifecycle(board).on_record_changed,
        )
    finally:
        bar.close()
        board.close()
    summary = {k: v for k, v in result.to_json().items() if k != "rejections"}
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if result.stopped is not None:
        raise BoardError("board.row_malformed", f"the import stopped at {result.stopped}")


def issue_all_command(
    *,
    format: Annotated[str, typer.Option("--format", help=_FORMS_HELP)] = "dc+sd-jwt",
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, max=20_000, help="Records per batch.")] = 1000,
    actor: Annotated[str, typer.Option(help="Who issues, for the event log.")] = "bulk",
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Issue every registered record's current version once in each form (resumable)."""
    import json

    from issuer.board import open_board
    from issuer.bulk import plan_run, run_progress, run_workers

    forms = forms_of(format)
    settings = _settings(config, data_dir)
    board = open_board(settings)
    try:
        postgres = board.store.engine.dialect.name == "postgresql"
        if not postgres and workers > 1:
            typer.echo("SQLite has one writer: issuing with one worker.", err=True)
            workers = 1
        results: dict[str, Any] = {}
        for form in forms:
            run_id = plan_run(board, form, batch_size=batch_size, actor=actor)
            bar = _Bar(form, "credentials")
            try:
                outcome = run_workers(
                    settings,
                    run_id,
                    form,
                    workers=workers,
                    board=board,
                    progress=lambda done, total, b=bar: b.update(done, total),  # type: ignore[misc]
                )
            finally:
                bar.close()
            done, total = run_progress(board, run_id)
            results[form] = {"run": run_id, "issued": outcome[0], "already": outcome[1]}
            results[form]["records"] = total
            results[form]["done"] = done
    finally:
        board.close()
    typer.echo(json.dumps(results, ensure_ascii=False))


def add_commands(app: typer.Typer) -> None:
    """Add ``import`` and ``issue-all`` to the ``shikaku issuer`` group."""
    app.command("import")(import_command)
    app.command("issue-all")(issue_all_command)
