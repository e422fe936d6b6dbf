"""Errors the playbook raises on bad input. Messages name the file, row, column and value, and what to do."""
from __future__ import annotations


class SmkError(Exception):
    """Base class: a problem the user can fix (bad config, bad export)."""


class ConfigError(SmkError):
    """client.yml is missing, malformed, or names something unknown."""


class DataError(SmkError):
    """An export cannot be read as the config says (fatal for that table)."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, value: object = None, hint: str | None = None):
        parts = []
        if file:
            parts.append(str(file))
        if row is not None:
            parts.append(f"row {row}")
        if column:
            parts.append(f"column {column!r}")
        if value is not None:
            parts.append(f"value {value!r}")
        where = ", ".join(parts)
        text = f"{where}: {message}" if where else message
        if hint:
            text += f" {hint}"
        super().__init__(text)
        self.file, self.row, self.column, self.value, self.hint = file, row, column, value, hint


class NotEnoughData(SmkError):
    """An analysis lacks the tables or columns it needs."""

    def __init__(self, needs: list[str], message: str = "", *, reason: str | None = None,
                 params: dict | None = None):
        self.needs = list(needs)
        #: a catalogue key (smk.texts) saying why, for the report; ``message`` is for developers
        self.reason, self.params = reason, dict(params or {})
        super().__init__(message or f"not enough data: this needs {', '.join(needs)}")
