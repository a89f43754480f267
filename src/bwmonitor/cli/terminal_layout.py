"""Rows of cell texts laid out for the terminal, a file or a pipe (docs/compare.md).

The commands build their cells (what each figure says); this module only decides where
they go, so that no field is ever cut off or silently dropped:

- a terminal wide enough for every column: a table, its text columns wrapping;
- a terminal too narrow for that: first with each cell's parts stacked (a benchmark's
  difference under its value), else the long layout;
- a file or pipe: always the long layout, never wrapped, so the text is the same
  whatever the terminal's width (COLUMNS).

The long layout is one block per row: the first cell as the block's heading, then one
`label: value` line per other column, labels aligned, empty cells as `-`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

#: the parts of one cell: printed side by side, or stacked when the terminal is narrow
Cell = tuple[Text, ...]
EMPTY = "-"
INDENT = "  "
# the first column wraps, but not below this: titles of one or two words a line are unreadable
MIN_FIRST_COLUMN = 20


@dataclass(frozen=True, slots=True)
class Column:
    header_parts: tuple[str, ...]  #: side by side, or stacked when the terminal is narrow
    numeric: bool = True  #: right-aligned in the table

    def header(self, stacked: bool = False) -> str:
        return ("\n" if stacked else " ").join(self.header_parts)


@dataclass(frozen=True, slots=True)
class Row:
    group: str  #: a section heading (the theme) printed when it changes; "" for none
    cells: Sequence[Cell]  #: one per column


def print_rows(
    heading: str, columns: Sequence[Column], rows: Sequence[Row], console: Console
) -> None:
    """Print `rows` under `heading` as a table that fits the terminal, or in the long
    layout (narrow terminal, file or pipe)."""
    _line(console, Text(heading, style="bold"))
    if console.is_terminal:
        for stacked in (False, True):
            widths = _column_widths(columns, rows, stacked, console.width)
            if widths is not None:
                console.print(_table(columns, rows, stacked, widths))
                return
    _blocks(columns, rows, console)


def _joined(cell: Cell, stacked: bool) -> Text:
    return Text("\n" if stacked else " ").join(part for part in cell if part.plain)


def _column_widths(
    columns: Sequence[Column], rows: Sequence[Row], stacked: bool, available: int
) -> list[int] | None:
    """Each column's width so that the table fits `available` cells with no cell cut, or
    None when it cannot. Numeric columns are as wide as their widest line; text columns
    may wrap down to their longest word, and share what is left."""
    natural, minimum = [], []
    for index, column in enumerate(columns):
        texts = [
            column.header(stacked),
            *(_joined(row.cells[index], stacked).plain for row in rows),
        ]
        if index == 0:
            texts += [row.group for row in rows]
        widest = max(Text(line).cell_len for text in texts for line in text.splitlines() or [""])
        natural.append(widest)
        if column.numeric:
            minimum.append(widest)
        else:
            longest_word = max(
                Text(word).cell_len for text in texts for word in text.split() or [""]
            )
            floor = MIN_FIRST_COLUMN if index == 0 else 0
            minimum.append(min(widest, max(longest_word, floor)))
    # per column one space of padding either side and one rule; one rule more at the end
    left = available - (sum(minimum) + 3 * len(columns) + 1)
    if left < 0:
        return None
    widths = list(minimum)
    # the columns that need least to be whole first: fewer cells wrap
    for index in sorted(range(len(columns)), key=lambda i: natural[i] - minimum[i]):
        extra = min(left, natural[index] - minimum[index])
        widths[index] += extra
        left -= extra
    return widths


def _table(
    columns: Sequence[Column], rows: Sequence[Row], stacked: bool, widths: list[int]
) -> Table:
    table = Table()
    for column, width in zip(columns, widths, strict=True):
        table.add_column(
            column.header(stacked),
            justify="right" if column.numeric else "left",
            width=width,
            no_wrap=column.numeric,
        )
    group = ""
    for row in rows:
        if row.group and row.group != group:
            group = row.group
            table.add_section()
            table.add_row(Text(group, style="bold"))
        table.add_row(*(_joined(cell, stacked) for cell in row.cells))
    return table


def _blocks(columns: Sequence[Column], rows: Sequence[Row], console: Console) -> None:
    width = max(len(column.header()) for column in columns[1:]) + 1
    lines: list[Text] = []
    group = ""
    for row in rows:
        if row.group and row.group != group:
            group = row.group
            lines += [Text(""), Text(f"Thema: {group}", style="bold")]
        lines += [Text(""), _joined(row.cells[0], stacked=False)]
        for column, cell in zip(columns[1:], row.cells[1:], strict=True):
            value = _joined(cell, stacked=False)
            line = Text(f"{INDENT}{column.header() + ':':<{width}} ")
            line.append_text(value if value.plain else Text(EMPTY))
            lines.append(line)
    lines.append(Text(""))
    _line(console, Text("\n").join(lines))  # one print: rich's cost is per call


def _line(console: Console, text: Text) -> None:
    # to a file or pipe a line is never wrapped: the text does not depend on COLUMNS
    console.print(text, highlight=False, soft_wrap=not console.is_terminal)
