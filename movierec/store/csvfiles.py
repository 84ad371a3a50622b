"""The one way movierec writes a CSV for people: every cell safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed (or
their full-width forms) is a formula to Excel, LibreOffice and Google Sheets: a film titled
``=cmd|' /C calc'!A0`` in a profile or in a release's ``movies.csv`` would run on opening the export
(CSV injection). OWASP's remedy is a ``'`` in front, which spreadsheets show as text. So that the
file still round-trips (``profile export --to letterboxd`` then ``profile import`` gives the same
titles), :func:`restore` undoes exactly what :func:`neutralise` did: a cell that already starts with
quotes before such a character gets one more quote on the way out, and one fewer on the way in.

MovieLens-format files (``bench/synthetic.py``) are data for movierec, not for people, and keep
MovieLens's own format.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable, Mapping, Sequence

#: First characters a spreadsheet reads as the start of a formula (OWASP's list, LF and full-width forms too).
FORMULA_LEADS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def _risky(cell: str) -> bool:
    """Whether the cell, after any quotes it starts with, starts with a formula character."""
    return cell.lstrip("'")[:1] in FORMULA_LEADS


def neutralise(cell: object) -> str:
    """The cell as text a spreadsheet never runs: ``'`` in front of ``=1+1`` (and of ``'=1+1``)."""
    text = "" if cell is None else str(cell)
    return "'" + text if _risky(text) else text


def restore(cell: str) -> str:
    """The inverse of :func:`neutralise`: ``'=1+1`` -> ``=1+1``; any other cell as it is."""
    return cell[1:] if cell[:1] == "'" and _risky(cell) else cell


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    """A header and rows as UTF-8 CSV (LF line ends), every cell through :func:`neutralise`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(c, "")) for c in columns])
    return out.getvalue().encode("utf-8")
