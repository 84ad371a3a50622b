"""The ``movierec`` command: the TUI by default, ``--headless`` subcommands for scripts.

Every headless command that prints results accepts ``--json``. Errors caused by
input or environment print one line (``error: ...``) and exit non-zero.

The group and shared helpers are in ``base``; commands are grouped by area in
``data`` (datasets, catalogue), ``models`` (train, eval) and ``people``
(ratings, profiles, picks). Importing this package registers all of them.
"""

from movierec.cli import data, models, people  # noqa: F401 - registers the commands on the group
from movierec.cli.base import cli, main

__all__ = ["cli", "main"]
