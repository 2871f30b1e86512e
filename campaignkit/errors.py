"""The kit's exceptions: one base class, messages that name file, column, row and rule."""

from __future__ import annotations

__all__ = ["CampaignkitError", "ParameterError", "SchemaError", "DataNotFoundError", "NotebookError"]


class CampaignkitError(Exception):
    """Base class of every error the kit raises on purpose."""


class ParameterError(CampaignkitError, ValueError):
    """An argument is out of its allowed range or of the wrong kind."""


class SchemaError(CampaignkitError, ValueError):
    """Input data breaks a rule of the canonical schema.

    Args:
        rule: Short rule name, e.g. ``"required_column"``.
        message: Human-readable explanation.
        file: Source file, when known.
        column: Offending column, when known.
        row: Offending (0-based data) row, when known.
    """

    def __init__(self, rule: str, message: str, *, file=None, column=None, row=None):
        self.rule, self.file, self.column, self.row = rule, file, column, row
        where = ", ".join(
            f"{k} {v!r}" if k != "row" else f"row {v}"
            for k, v in (("file", file), ("column", column), ("row", row))
            if v is not None
        )
        super().__init__(f"[{rule}] {message}" + (f" ({where})" if where else ""))


class DataNotFoundError(CampaignkitError, FileNotFoundError):
    """A data file is not where the kit looked; the message says where to put it."""


class NotebookError(CampaignkitError, RuntimeError):
    """A notebook failed while the report runner executed it."""
