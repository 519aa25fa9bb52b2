"""What validating a registration file returns: good rows, every error, warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad field of one row. ``value_masked`` never holds a full ID or phone number.

    ``column`` is the header as written in the file (the template's header when the column is
    missing). ``reason`` is English, ``reason_zh`` Chinese for the uploader's report.
    """

    row_number: int
    column: str
    value_masked: str
    reason: str
    reason_zh: str = ""


@dataclass(frozen=True, slots=True)
class RowWarning:
    """Something worth showing about an accepted row (e.g. a suggested team name)."""

    row_number: int
    column: str
    value_masked: str
    reason: str
    reason_zh: str = ""


@dataclass(frozen=True, slots=True)
class FileIssue:
    """A problem with the file as a whole (missing columns) or a note about it."""

    message: str
    message_zh: str


@dataclass(frozen=True, slots=True)
class RowReference:
    """What a rejected row names that only the database can check (its team and division),
    so the import reports those problems too, not just the ones found in the file."""

    row_number: int
    team_name: str | None
    region_code: str | None


@dataclass
class RowResults(Generic[T]):
    """The outcome of validating one file.

    ``good`` holds the rows with no error at all, in file order; a row with any error is left
    out and all of its errors are in ``errors``. When ``file_errors`` is not empty no row was
    validated (e.g. required columns are missing). ``rejected_references`` holds what each
    rejected row names (team, division), for the checks against the database.
    """

    good: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_warnings: list[RowWarning] = field(default_factory=list)
    file_errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    example_rows: list[int] = field(default_factory=list)
    rejected_references: list[RowReference] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """No file error and no row error."""
        return not self.file_errors and not self.errors

    @property
    def rejected_rows(self) -> list[int]:
        """Row numbers with at least one error, ascending."""
        return sorted({error.row_number for error in self.errors})
