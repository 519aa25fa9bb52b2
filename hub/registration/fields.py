"""Field parsers shared by the volunteer and organisation rows, and a per-row error collector.

Each parser takes a raw cell value and ``field`` (the header to name in errors) and returns a
normalised value or raises :class:`FieldError`. :class:`RowChecker` runs parsers for one row
and keeps *every* error, so a row with three bad fields reports three errors.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from typing import TypeVar, cast

from hub.registration.columns import Column, HeaderMap, is_example_row, map_headers
from hub.registration.errors import FieldError, show
from hub.registration.idcard import PROVINCE_CODES
from hub.registration.normalize import (
    CJK_CHARS,
    clean_name_text,
    clean_text,
    compact,
    is_blank,
    parse_number,
    split_multi,
)
from hub.registration.results import FileIssue, RowError, RowResults, RowWarning
from hub.registration.table import Table, TableRow
from hub.registration.vocab import CRS, DEFAULT_CRS, Vocabulary

T = TypeVar("T")

NAME_MIN_CHARS = 2
NAME_MAX_CHARS = 30
ORG_NAME_MAX_CHARS = 100
#: Mainland China with a margin (westmost 73.5°E, eastmost 135.1°E, 3.8°N–53.6°N).
LONGITUDE_RANGE = (73.0, 136.0)
LATITUDE_RANGE = (3.0, 54.0)

_LETTER = rf"[{CJK_CHARS}A-Za-zÀ-ÖØ-öø-ÿ]"
_PERSON_NAME = re.compile(rf"^{_LETTER}+(?:[· ]{_LETTER}+)*$")
_DOT_VARIANTS = str.maketrans(dict.fromkeys("•・‧∙⋅●.", "·"))
_DOT_SPACES = re.compile(r"\s*·\s*")
_REGION_CODE = re.compile(r"^(?:\d{6}|\d{9}|\d{12})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def parse_person_name(value: object, *, field: str) -> str:
    """A real name (实名): 2–30 Chinese characters or letters; ``·`` between parts allowed.

    Dot variants (``•``, ``・``, ``.``) become ``·``; spaces next to Chinese characters go.
    """
    text = clean_name_text(value)
    if text is None:
        raise FieldError(field, "", "required", "必填")
    text = _DOT_SPACES.sub("·", unicodedata.normalize("NFKC", text).translate(_DOT_VARIANTS))
    if not _PERSON_NAME.match(text):
        raise FieldError(
            field,
            show(value),
            "a real name has only Chinese characters or letters, with · between parts",
            "姓名只能包含汉字或字母，少数民族姓名可用“·”分隔",
        )
    if not NAME_MIN_CHARS <= len(text) <= NAME_MAX_CHARS:
        raise FieldError(
            field,
            show(value),
            f"a real name has {NAME_MIN_CHARS}–{NAME_MAX_CHARS} characters, got {len(text)}",
            f"姓名应为{NAME_MIN_CHARS}至{NAME_MAX_CHARS}个字",
        )
    return text


def parse_text(value: object, *, field: str, max_chars: int, required: bool = False) -> str | None:
    """Free text, trimmed; ``None`` when blank (or an error when ``required``)."""
    text = clean_text(value)
    if text is None:
        if required:
            raise FieldError(field, "", "required", "必填")
        return None
    if len(text) > max_chars:
        raise FieldError(
            field, show(value), f"longer than {max_chars} characters", f"超过{max_chars}个字"
        )
    return text


def parse_org_name(value: object, *, field: str, required: bool) -> str | None:
    """A team name as stored (:func:`~hub.registration.normalize.clean_name_text`), ≤ 100 chars."""
    text = clean_name_text(value)
    if text is None:
        if required:
            raise FieldError(field, "", "required", "必填")
        return None
    if len(text) > ORG_NAME_MAX_CHARS:
        raise FieldError(
            field,
            show(value),
            f"longer than {ORG_NAME_MAX_CHARS} characters",
            f"超过{ORG_NAME_MAX_CHARS}个字",
        )
    return text


def parse_choice(
    value: object, vocabulary: Vocabulary, *, field: str, required: bool
) -> str | None:
    """One code of ``vocabulary`` from its code, label or alias; ``None`` when blank."""
    if is_blank(value):
        if required:
            raise FieldError(field, "", "required", "必填")
        return None
    code = vocabulary.lookup(clean_text(value))
    if code is None:
        raise _unknown(field, value, vocabulary)
    return code


def parse_choices(value: object, vocabulary: Vocabulary, *, field: str) -> tuple[str, ...]:
    """Several codes, separated by ``、 , ， ; ；`` or spaces; duplicates dropped, order kept."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in split_multi(value):
        code = vocabulary.lookup(part)
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise _unknown(field, "、".join(unknown), vocabulary)
    return tuple(codes)


def _unknown(field: str, value: object, vocabulary: Vocabulary) -> FieldError:
    labels = "、".join(vocabulary.labels.values())
    return FieldError(
        field,
        show(value),
        f"not a known {vocabulary.name}; use one of: {labels}",
        f"不在可选范围内，可选：{labels}",
    )


def parse_region_code(value: object, *, field: str, required: bool) -> str | None:
    """A division code (行政区划代码) of 6, 9 or 12 digits, kept at the length given."""
    if is_blank(value):
        if required:
            raise FieldError(field, "", "required", "必填")
        return None
    text = compact(value)
    if not _REGION_CODE.match(text):
        raise FieldError(
            field,
            show(value),
            "not a division code (6, 9 or 12 digits, e.g. 620102)",
            "行政区划代码应为6、9或12位数字，如 620102",
        )
    if text[:2] not in PROVINCE_CODES:
        raise FieldError(
            field,
            show(value),
            f"no such division code: {text[:2]} is not a province (e.g. 41 Henan, 62 Gansu)",
            f"没有该行政区划：前两位 {text[:2]} 不是省级代码（如河南 41、甘肃 62）",
        )
    return text


def parse_email(value: object, *, field: str) -> str | None:
    """An e-mail address (shape only), or ``None`` when blank."""
    if is_blank(value):
        return None
    text = compact(value)
    if len(text) > 254 or not _EMAIL.match(text):
        raise FieldError(field, show(value), "not an e-mail address", "邮箱格式不正确")
    return text


Coordinates = tuple[float, float, str]


def parse_coordinates(
    longitude: object, latitude: object, crs: object, *, fields: tuple[str, str, str]
) -> Coordinates | None:
    """``(longitude, latitude, crs_code)`` or ``None`` when both are blank.

    The system defaults to :data:`~hub.registration.vocab.DEFAULT_CRS` (WGS-84). Positions
    must fall in China's bounding box; a latitude/longitude swap is named as such.
    """
    lon_field, lat_field, crs_field = fields
    if is_blank(longitude) and is_blank(latitude):
        return None
    if is_blank(longitude) or is_blank(latitude):
        missing, other = (lon_field, lat_field) if is_blank(longitude) else (lat_field, lon_field)
        raise FieldError(
            missing, "", f"required when {other} is filled", f"填写了{other}时必须同时填写"
        )
    lon = parse_number(longitude, field=lon_field)
    lat = parse_number(latitude, field=lat_field)
    lon_ok = LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]
    lat_ok = LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]
    if not lon_ok and not lat_ok and LONGITUDE_RANGE[0] <= lat <= LONGITUDE_RANGE[1]:
        raise FieldError(
            lon_field,
            show(longitude),
            "longitude and latitude look swapped",
            "经度和纬度似乎填反了",
        )
    if not lon_ok:
        raise FieldError(
            lon_field,
            show(longitude),
            f"longitude must be between {LONGITUDE_RANGE[0]} and {LONGITUDE_RANGE[1]} (China)",
            f"经度应在{LONGITUDE_RANGE[0]}至{LONGITUDE_RANGE[1]}之间",
        )
    if not lat_ok:
        raise FieldError(
            lat_field,
            show(latitude),
            f"latitude must be between {LATITUDE_RANGE[0]} and {LATITUDE_RANGE[1]} (China)",
            f"纬度应在{LATITUDE_RANGE[0]}至{LATITUDE_RANGE[1]}之间",
        )
    code = parse_choice(crs, CRS, field=crs_field, required=False) or DEFAULT_CRS
    return lon, lat, code


MEMO_LIMIT = 2_000  # distinct values remembered per column


class TableContext:
    """What every row of one table shares: column positions, headers, parse memos."""

    def __init__(self, header_map: HeaderMap, columns: dict[str, Column]) -> None:
        self.index = header_map.index
        self.columns = columns
        self.headers = {key: header_map.headers.get(key) or c.header for key, c in columns.items()}
        self.memo: dict[str, dict[object, object]] = {key: {} for key in columns}


class RowChecker:
    """Runs parsers over one row, keeping every error; ``ok`` when none failed."""

    def __init__(self, row: TableRow, context: TableContext) -> None:
        self.row = row
        self.context = context
        self.errors: list[RowError] = []
        self.warnings: list[RowWarning] = []

    @property
    def ok(self) -> bool:
        return not self.errors

    def raw(self, key: str) -> object:
        """The raw cell of column ``key``; ``None`` when the file has no such column."""
        position = self.context.index.get(key)
        return None if position is None else self.row.values[position]

    def header(self, key: str) -> str:
        """The column's header as written in the file, else the template's header."""
        return self.context.headers[key]

    def take(
        self,
        key: str,
        parser: Callable[[object, str], T],
        default: T | None = None,
        *,
        memo: bool = False,
    ) -> T | None:
        """``parser(raw, header)``; on :class:`FieldError` record it and return ``None``.

        An empty cell of an optional column gives ``default`` without calling the parser.
        ``memo=True`` reuses the outcome for a value seen before in this column: only for
        parsers that depend on nothing but the cell (vocabularies, dates), since uploads
        repeat such values on every row.
        """
        raw = self.raw(key)
        if raw is None and not self.context.columns[key].required:
            return default
        memoisable = (
            memo and isinstance(raw, str | int | float | date) and not isinstance(raw, bool)
        )
        seen = self.context.memo[key] if memoisable else None
        if seen is not None and raw in seen:
            outcome = seen[raw]
        else:
            try:
                outcome = parser(raw, self.context.headers[key])
            except FieldError as exc:
                outcome = exc
            if seen is not None and len(seen) < MEMO_LIMIT:
                seen[raw] = outcome
        if isinstance(outcome, FieldError):
            self.fail(outcome)
            return None
        return cast(T, outcome)

    def text(self, key: str, max_chars: int) -> str | None:
        """Optional free text of column ``key`` (:func:`parse_text`)."""
        raw = self.raw(key)
        if raw is None:
            return None
        try:
            return parse_text(raw, field=self.header(key), max_chars=max_chars)
        except FieldError as exc:
            self.fail(exc)
            return None

    def fail(self, exc: FieldError) -> None:
        self.errors.append(
            RowError(self.row.row_number, exc.field, exc.value, exc.reason, exc.reason_zh)
        )

    def error(self, key: str, value_shown: str, reason: str, reason_zh: str) -> None:
        self.errors.append(
            RowError(self.row.row_number, self.header(key), value_shown, reason, reason_zh)
        )

    def warn(self, key: str, value_shown: str, reason: str, reason_zh: str) -> None:
        self.warnings.append(
            RowWarning(self.row.row_number, self.header(key), value_shown, reason, reason_zh)
        )

    def coordinates(self) -> Coordinates | None:
        """The row's longitude/latitude/坐标系, checked together."""
        fields = (self.header("longitude"), self.header("latitude"), self.header("crs"))
        try:
            return parse_coordinates(
                self.raw("longitude"), self.raw("latitude"), self.raw("crs"), fields=fields
            )
        except FieldError as exc:
            self.fail(exc)
            return None


def check_headers(
    table: Table, columns: tuple[Column, ...], results: RowResults[T]
) -> TableContext | None:
    """Map the headers; record missing/duplicate columns as file errors (then ``None``).

    Unknown columns and the table's own warnings become file warnings.
    """
    header_map = map_headers(table.headers, columns)
    results.warnings.extend(FileIssue(w, w) for w in table.warnings)
    if header_map.unknown:
        names = "、".join(header_map.unknown)
        results.warnings.append(
            FileIssue(
                f"columns not in the template were ignored: {names}", f"已忽略模板外的列：{names}"
            )
        )
    if header_map.missing:
        names = "、".join(header_map.missing)
        results.file_errors.append(
            FileIssue(f"required columns are missing: {names}", f"缺少必填列：{names}")
        )
    if header_map.duplicates:
        names = "、".join(header_map.duplicates)
        results.file_errors.append(
            FileIssue(f"columns appear more than once: {names}", f"以下列重复出现：{names}")
        )
    if results.file_errors:
        return None
    return TableContext(header_map, {c.key: c for c in columns})


def checked_rows(
    table: Table, columns: tuple[Column, ...], results: RowResults[T]
) -> Iterator[RowChecker]:
    """A checker for each data row of ``table``, once its headers passed (:func:`check_headers`);
    example rows are noted on ``results`` and skipped, the others counted as read."""
    context = check_headers(table, columns, results)
    if context is None:
        return
    for row in table.rows:
        if is_example_row(row.values, context.index):
            results.example_rows.append(row.row_number)
            continue
        results.rows_read += 1
        yield RowChecker(row, context)
