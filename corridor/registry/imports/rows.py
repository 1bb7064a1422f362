"""Reading import files (CSV or JSON) into rows, and checking values with the models' own fields.

Every problem is collected, not raised, so one pass reports all of them with the
row, the field and the reason. Values are checked with the model field objects
(``max_length``, choices, validators) so an import follows the same rules as the
services, but without ``full_clean`` per row, which is too slow for 100,000 rows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django_countries.fields import CountryField

from corridor.core.text import TextError, clean_text

FORMATS = ("csv", "json")
# A leading quote keeps spreadsheet programs from running a cell as a formula
# (CSV injection); exports add it and imports take it off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SPLIT = re.compile(r"[;|]")
TRUE = {"1", "true", "yes", "y", "t", "on"}
FALSE = {"0", "false", "no", "n", "f", "off"}
# Beyond this share of NUL bytes a file is UTF-16 or binary, not text with a stray NUL.
_NUL_SHARE = 0.1


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``row`` is the CSV line (header = 1) or JSON item number; 0 = the file."""

    row: int
    field: str
    message: str


@dataclass
class Table:
    """The rows of an import file: ``(row number, {column: raw value})``."""

    columns: list[str]
    rows: list[tuple[int, dict]]
    format: str
    problems: list[Problem] = field(default_factory=list)  # the file's (header)
    row_problems: list[Problem] = field(default_factory=list)  # rows that cannot be read


class FileRejected(Exception):
    """The file cannot be read as rows at all (encoding, syntax, empty)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def file_format(path: str | Path, requested: str | None = None) -> str:
    if requested:
        if requested.lower() not in FORMATS:
            raise FileRejected(
                [
                    Problem(
                        0,
                        "",
                        _("Unknown format “%(format)s”: use csv or json.") % {"format": requested},
                    )
                ]
            )
        return requested.lower()
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise FileRejected(
        [
            Problem(
                0,
                "",
                _(
                    "Cannot tell the format of “%(name)s” from its extension: name it .csv or .json, or give --format."
                )
                % {"name": Path(path).name},
            )
        ]
    )


def decode(data: bytes) -> str:
    """UTF-8 text of a file, without a byte-order mark; a clear error for anything else."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    _(
                        "The file is UTF-16 (it starts with a UTF-16 byte-order mark). Save it as UTF-8 and import it again."
                    ),
                )
            ]
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nuls = data.count(b"\x00")
    if nuls and nuls > len(data) * _NUL_SHARE:
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    _(
                        "The file is not UTF-8 text: %(count)s of its %(size)s bytes are NUL, as in UTF-16 or a binary file. Save it as UTF-8."
                    )
                    % {"count": nuls, "size": len(data)},
                )
            ]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileRejected(
            [
                Problem(
                    line,
                    "",
                    _(
                        "The file is not UTF-8: byte 0x%(byte)02x at offset %(offset)s (line %(line)s) cannot be decoded. Save the file as UTF-8 (it may be Latin-1 or Windows-1252)."
                    )
                    % {"byte": data[error.start], "offset": error.start, "line": line},
                )
            ]
        ) from None


def read_table(path: str | Path, *, fmt: str | None = None) -> Table:
    """Read an import file; raises ``FileRejected`` when it cannot be read as rows."""
    fmt = file_format(path, fmt)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise FileRejected(
            [
                Problem(
                    0, "", _("Cannot read the file: %(error)s") % {"error": error.strerror or error}
                )
            ]
        ) from None
    text = decode(data)
    if not text.strip():
        raise FileRejected([Problem(0, "", _("The file is empty."))])
    table = _read_csv(text) if fmt == "csv" else _read_json(text)
    if not table.rows and not table.problems and not table.row_problems:
        raise FileRejected([Problem(0, "", _("The file has a header but no rows."))])
    return table


def _read_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        raise FileRejected(
            [Problem(1, "", _("The CSV header cannot be read: %(error)s") % {"error": error})]
        ) from None
    columns = [c.strip() for c in header]
    problems: list[Problem] = []
    row_problems: list[Problem] = []
    seen: set[str] = set()
    for number, column in enumerate(columns, start=1):
        if not column:
            problems.append(
                Problem(
                    1, "", _("Column %(number)s has no name in the header.") % {"number": number}
                )
            )
        elif column in seen:
            problems.append(Problem(1, column, _("The column appears twice in the header.")))
        seen.add(column)
    rows: list[tuple[int, dict]] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank line
            if len(cells) > len(columns):
                row_problems.append(
                    Problem(
                        line,
                        "",
                        _("The row has %(cells)s values but the header has %(columns)s columns.")
                        % {"cells": len(cells), "columns": len(columns)},
                    )
                )
                continue
            # Spreadsheets drop trailing empty cells: missing ones are empty.
            rows.append(
                (
                    line,
                    {c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns) if c},
                )
            )
    except csv.Error as error:
        raise FileRejected(
            [
                Problem(
                    start,
                    "",
                    _("The CSV cannot be read from here on: %(error)s") % {"error": error},
                )
            ]
        ) from None
    return Table(
        columns=[c for c in columns if c],
        rows=rows,
        format="csv",
        problems=problems,
        row_problems=row_problems,
    )


def _read_json(text: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            [
                Problem(
                    error.lineno,
                    "",
                    _("The JSON is not valid: %(error)s (line %(line)s, column %(column)s).")
                    % {"error": error.msg, "line": error.lineno, "column": error.colno},
                )
            ]
        ) from None
    if not isinstance(data, list):
        raise FileRejected(
            [Problem(0, "", _("The JSON file must hold a list of objects, one per row."))]
        )
    columns: dict[str, None] = {}
    rows: list[tuple[int, dict]] = []
    problems: list[Problem] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(number, "", _("The item is not an object.")))
            continue
        for key in item:
            columns.setdefault(key, None)
        rows.append((number, item))
    return Table(columns=list(columns), rows=rows, format="json", row_problems=problems)


def check_columns(
    table: Table, *, allowed: Iterable[str], required: Iterable[str]
) -> list[Problem]:
    """Unknown and missing columns, reported against the header."""
    allowed = set(allowed)
    problems = [
        Problem(
            1 if table.format == "csv" else 0,
            column,
            _("Unknown column. Known columns: %(columns)s.")
            % {"columns": ", ".join(sorted(allowed))},
        )
        for column in table.columns
        if column not in allowed
    ]
    problems += [
        Problem(1 if table.format == "csv" else 0, column, _("Required column is missing."))
        for column in required
        if column not in table.columns
    ]
    return problems


# --- Values ------------------------------------------------------------------------


class Invalid(Exception):
    """A value that does not pass; the message says why."""


def text_value(raw, *, column: str) -> str:
    """A raw cell as clean text: NUL bytes refused, NFC, trimmed, CSV formula guard removed."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        raw = "true" if raw else "false"
    elif isinstance(raw, (int, float)):
        raw = str(raw)
    elif not isinstance(raw, str):
        raise Invalid(_("Expected a text value, not %(type)s.") % {"type": type(raw).__name__})
    try:
        value = clean_text(raw, field=column)
    except TextError:
        raise Invalid(_("Contains a NUL byte, which cannot be stored.")) from None
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        value = value[1:]
    return value


def list_value(raw, *, column: str) -> list[str]:
    """Codes or slugs separated by ``;`` or ``|`` (or a JSON list), in order, without repeats."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else LIST_SPLIT.split(text_value(raw, column=column))
    values: dict[str, None] = {}
    for item in items:
        item = text_value(item, column=column)
        if item:
            values.setdefault(item, None)
    return list(values)


def bool_value(raw, *, default: bool | None) -> bool | None:
    if isinstance(raw, bool):
        return raw
    value = "" if raw is None else str(raw).strip().lower()
    if value == "":
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise Invalid(
        _("“%(value)s” is not true or false (use true/false, yes/no or 1/0).") % {"value": raw}
    )


def field_cleaner(model_field: models.Field) -> Callable[[object], object]:
    """A function that turns a raw value into the field's Python value or raises ``Invalid``.

    Built once per column: choices become a set, validators are the field's own.
    """
    choices = {str(k) for k, _label in model_field.flatchoices} if model_field.choices else None
    # CountryField's choices hold codes; people write them in either case.
    upper = isinstance(model_field, CountryField)
    empty = None if model_field.null else ""
    blank_message = str(model_field.error_messages["blank"])
    max_length = model_field.max_length
    is_text = isinstance(model_field, (models.CharField, models.TextField))

    def clean(raw):
        value = text_value(raw, column=model_field.name)
        if upper:
            value = value.upper()
        if value == "":
            if not model_field.blank:
                raise Invalid(blank_message)
            return empty
        if choices is not None and value not in choices:
            if upper:
                raise Invalid(
                    _("“%(value)s” is not an ISO 3166 country code (e.g. CN, PK).")
                    % {"value": value}
                )
            raise Invalid(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(sorted(choices))}
            )
        if is_text and max_length is not None and len(value) > max_length:
            # Said in one line rather than Django's generic "at most N characters".
            raise Invalid(
                _("Too long: %(length)s characters, at most %(max)s.")
                % {"length": len(value), "max": max_length}
            )
        try:
            value = model_field.to_python(value)
            model_field.run_validators(value)
        except ValidationError as error:
            raise Invalid(" ".join(error.messages)) from None
        return value

    return clean


# --- Results -----------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did (or, on a dry run or a rejected file, would have done)."""

    what: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    file_problems: bool = False
    written: bool = False
    dry_run: bool = False
    notes: dict = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        """Nothing was written because of problems."""
        return bool(self.problems) and not self.written

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid_rows,
        }


class BatchObject:
    """What ``audit.record`` needs of an object, for one change to many rows of a model."""

    def __init__(self, model: type[models.Model], label: str):
        self._meta = model._meta
        self.pk = "*"
        self._label = label

    def __str__(self) -> str:
        return self._label


def progress(iterable, *, total: int, desc: str, enabled: bool):
    """A tqdm bar on stderr for long imports; the plain iterable otherwise."""
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=" rows", leave=False, mininterval=0.5)
