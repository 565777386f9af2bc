"""Verdicts people can read in a terminal: a verification report rendered with rich.

``shikaku vc verify --json`` prints the machine form, the report of the verification
pipeline; :func:`render_verification` shows the same report in Japanese or English. The words
come from :func:`verifier.explain.explain`, which the employer's web page uses too: the verdict
first, then who issued which qualification to whom, valid from when until when (as days in
Japan), the licence's status (有効 / 業務停止中 / 取消), and every check in plain words, with
the reason when it did not pass. This module only turns tones into colours and rows into a
table. Values from the report are shown as plain text, never read as rich markup (a licence
number ``[red]…`` stays as written).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, Literal

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RichText

from verifier.explain import CHECK_NAMES, Explanation, Row, Tone, explain

__all__ = ["CHECK_NAMES", "STYLES", "facts_table", "render_verification"]

#: The colour of each tone (the wallet's tables use them too).
STYLES: Final[dict[Tone, str]] = {
    "good": "green",
    "bad": "red",
    "unsure": "yellow",
    "muted": "dim",
    "plain": "",
}


def facts_table(rows: Iterable[Row]) -> Table:
    """Facts as a borderless two-column table: label, then value (its detail dimmed below)."""
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for row in rows:
        style = "bold red" if row.tone == "bad" else STYLES[row.tone]
        value = RichText(row.value, style=style)
        if row.detail is not None:
            value.append(("\n" if row.value else "") + row.detail, style="dim")
        table.add_row(RichText(row.label), value)
    return table


def _checks(explained: Explanation) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 0))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column()
    colon = "：" if explained.lang == "ja" else ": "
    for line in explained.checks:
        style = STYLES[line.tone]
        why = RichText(line.outcome_text, style=style)
        if line.reason is not None or line.code is not None:
            why.append(colon + line.reason if line.reason else "")
            if line.code is not None:
                why.append(f" ({line.code})", style="dim")
        table.add_row(RichText(line.mark, style=style), RichText(line.name), why)
    return table


def render_verification(report: Any, *, lang: Literal["ja", "en"]) -> RenderableType:
    """The report of one verification, for a person (see :mod:`verifier.explain`)."""
    explained = explain(report, lang=lang)
    style = STYLES[explained.tone]
    parts: list[RenderableType] = [
        RichText(f"{explained.mark} {explained.title}", style=f"bold {style}"),
        RichText(explained.note),
        RichText(""),
        facts_table(explained.facts),
    ]
    if explained.checks:
        parts += [
            RichText(""),
            RichText(explained.checks_heading, style="bold"),
            _checks(explained),
        ]
    return Panel(Group(*parts), title=explained.heading, border_style=style, expand=False)
