"""User-facing errors: each carries a one-line message that says what to do.

The CLI turns any MovieRecError into ``error: <message>`` and a non-zero exit;
the TUI turns it into a notification. Library code raises, never prints.
"""


class MovieRecError(Exception):
    """An error caused by input or environment, explained in one line."""

    exit_code = 1


class DataError(MovieRecError):
    """A dataset could not be found, read or parsed."""


class FetchError(MovieRecError):
    """A download failed or did not verify."""


class CheckpointError(MovieRecError):
    """A checkpoint is missing, damaged, or belongs to other data."""


class ProfileError(MovieRecError):
    """A profile could not be read or written."""


class TitleError(MovieRecError):
    """A title did not match any film, or matched too many."""
