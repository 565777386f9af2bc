"""``shikaku schemas``: the qualification catalogue, sample credentials, validation, contexts.

Each command calls one function of :mod:`vc_schemas` and renders its result: tables with
rich, JSON with ``--json``. ``validate`` exits 1 when a credential is refused, listing every
problem; ``contexts`` writes the documents a board hosts under the project's namespace.
"""

from __future__ import annotations

import json
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.errors import writing

if TYPE_CHECKING:
    from rich.console import Console

    from vc_schemas.guard import FieldError

app = typer.Typer(no_args_is_help=True)


class Lang(StrEnum):
    ja = "ja"
    en = "en"


class Kind(StrEnum):
    credential = "credential"
    disclosed = "disclosed"


LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the labels.")]


def _console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=False)


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


@app.command("list")
def list_(
    group: Annotated[
        int | None, typer.Option("--group", min=1, max=2, help="Only group 1 or 2.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: LangOption = Lang.ja,
) -> None:
    """List the qualifications of the catalogue."""
    from vc_schemas.catalogue import default_catalogue
    from vc_schemas.display import render_catalogue

    catalogue = default_catalogue()
    entries = catalogue.group(group) if group is not None else tuple(catalogue)
    if as_json:
        _echo_json([entry.to_json() for entry in entries])
    else:
        _console().print(render_catalogue(entries, lang=lang.value))


@app.command("show")
def show(
    qualification_id: Annotated[str, typer.Argument(metavar="ID", help="A catalogue id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: LangOption = Lang.ja,
) -> None:
    """Show every fact of one qualification, unconfirmed ones marked."""
    from vc_schemas.catalogue import default_catalogue
    from vc_schemas.display import render_qualification

    entry = default_catalogue().get(qualification_id)
    if as_json:
        _echo_json(entry.to_json())
    else:
        _console().print(render_qualification(entry, lang=lang.value))


@app.command("sample")
def sample(
    qualification_id: Annotated[str, typer.Argument(metavar="ID", help="A catalogue id.")],
    issuer_id: Annotated[
        str | None,
        typer.Option("--issuer-id", help="The issuer's DID or URL (default: the sample's)."),
    ] = None,
    holder_id: Annotated[
        str, typer.Option("--holder-id", help="The holder's DID.")
    ] = "did:example:holder",
    render: Annotated[bool, typer.Option("--render", help="Show it as an employer would.")] = False,
    lang: LangOption = Lang.ja,
) -> None:
    """Print an unsigned sample credential (fictitious holder) for one qualification."""
    from vc_schemas.builder import IssuerProfile
    from vc_schemas.display import render_credential
    from vc_schemas.samples import SAMPLE_ISSUER, sample_credential

    issuer = IssuerProfile(
        id=issuer_id or SAMPLE_ISSUER.id, name=SAMPLE_ISSUER.name, url=SAMPLE_ISSUER.url
    )
    credential = sample_credential(qualification_id, issuer=issuer, holder_id=holder_id)
    if render:
        _console().print(render_credential(credential, lang=lang.value))
    else:
        _echo_json(credential)


def _expansion_problems(document: Any) -> list[FieldError]:
    from vc_core.errors import JsonLdError, LoaderError
    from vc_core.jsonld.processor import expand
    from vc_schemas.guard import FieldError
    from vc_schemas.registry import loader

    try:
        expand(document, loader=loader())
    except (JsonLdError, LoaderError) as exc:
        return [FieldError(str(exc.details.get("pointer", "/")), exc.code, exc.message)]
    return []


@app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="A credential as a JSON file.")],
    kind: Annotated[
        Kind, typer.Option("--kind", help="An issued credential or a disclosed derivation.")
    ] = Kind.credential,
) -> None:
    """Validate a credential: JSON Schema, catalogue, and JSON-LD safe mode. Exit 1 if refused."""
    from rich.console import Console
    from rich.table import Table

    from vc_core.jsonio import read_json
    from vc_schemas.validate import credential_problems

    document = read_json(file)  # Strict JSON: a repeated member is input.duplicate_key.
    problems = credential_problems(document, kind=kind.value)
    if isinstance(document, dict):
        problems += _expansion_problems(document)
    if not problems:
        typer.echo(f"valid: {file} meets the JP profile ({kind.value})")
        return
    table = Table("field", "code", "message", title=f"{file}: {len(problems)} problem(s)")
    for problem in problems:
        table.add_row(problem.field, problem.code, problem.message)
    Console(stderr=True, soft_wrap=False).print(table)
    raise typer.Exit(1)


@app.command("contexts")
def contexts(
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")],
    include_core: Annotated[
        bool, typer.Option("--all", help="Also the W3C and Open Badges contexts shikaku bundles.")
    ] = False,
) -> None:
    """Write every bundled context and schema, with index.json mapping URL → file."""
    with writing(out):
        count = _write_contexts(out, include_core=include_core)
    typer.echo(f"wrote {count} document(s) and index.json to {out}")


def _write_contexts(out: Path, *, include_core: bool) -> int:
    from vc_core.jsonld.loader import BUNDLED as CORE_BUNDLED
    from vc_schemas.registry import BUNDLED

    index: dict[str, str] = {}
    for document in BUNDLED:
        source = resources.files("vc_schemas") / document.path
        target = out / document.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        index[document.url] = document.path
    if include_core:
        for url, (filename, _pin) in CORE_BUNDLED.items():
            source = resources.files("vc_core.jsonld") / "contexts" / filename
            target = out / "contexts" / filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            index[url] = f"contexts/{filename}"
    (out / "index.json").write_text(
        json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return len(index)
