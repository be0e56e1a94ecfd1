"""The one edge check of both APIs: what a JSON body or a query or path parameter may hold before any view sees it.

Every JSON body is parsed by `json_parse` (each API's parser calls it) and every query and path parameter is read
through `parameter_problems` (each API's base view), so that no value reaches a serializer, a query or a renderer
that the database, the JSON encoders or the recursion limit cannot take:

- text (strings and object keys) holds no NUL (PostgreSQL's text and jsonb refuse it) and no unpaired surrogate
  (`"\\ud800"`: no UTF-8 encoder, neither the database's nor a renderer's, writes it);
- containers nest at most `MAX_DEPTH` levels (the serializers, `json.dumps` and orjson all recurse);
- integers fit a signed 64-bit column (unless the caller bounds them itself: the client API skips ids beyond any
  stored id, and clamps cursors); a float is finite; `NaN` and `Infinity` are not JSON.
- query and path parameters also hold no control character (a newline in an id names nothing).

A refused body raises `JSONRefused` with every problem found (at most `MAX_PROBLEMS`), each naming the value's path
(`customData.a`, `[1].custom.b`, `body` for the body itself); each API words it in its own error body. A syntax
error is still a `ValueError` (`json.JSONDecodeError`), as `json.loads` raises it.

`json_printable` is the other side: what an error body echoes (or stored data a renderer writes) is made
encodable instead of failing the response.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

MAX_DEPTH = 64  # objects and arrays inside each other; the body itself is level 1
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # a bigint column
MAX_PROBLEMS = 50  # reported per request: enough to fix a body, bounded for a body made of bad strings
_INT_MAX_DIGITS = len(str(INT_MIN))  # longer digit strings are out of range without converting them
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

CODE_CHARACTERS = "invalid_characters"
CODE_DEPTH = "too_deep"
CODE_RANGE = "out_of_range"


class InputProblem(NamedTuple):
    path: str  # `customData.a`, `[0].text`, `query.fkId`; `body` for the whole body
    code: str  # invalid_characters, too_deep, out_of_range
    message: str


class JSONRefused(Exception):  # noqa: N818  (a refusal with its reasons, not a fault)
    def __init__(self, problems: list[InputProblem]):
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


class _OutOfRange:
    """A number `json.loads` read that no column holds: kept in place, so that the walk reports its path."""

    __slots__ = ()


_OUT_OF_RANGE = _OutOfRange()


def _parse_int(text: str) -> int | _OutOfRange:
    if len(text) > _INT_MAX_DIGITS:  # before int(): 5,000 digits raise ValueError, and converting is quadratic
        return _OUT_OF_RANGE
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else _OUT_OF_RANGE


def _parse_float(text: str) -> float | _OutOfRange:
    value = float(text)
    return value if math.isfinite(value) else _OUT_OF_RANGE  # 1e400 reads as inf


def _parse_constant(text: str):
    raise ValueError(f"{text} is not JSON")  # Python reads NaN, Infinity and -Infinity; the JSON grammar has none


def json_parse(
    text: str,
    *,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    bounded_integers: bool = True,
) -> Any:
    """The JSON value of `text`, checked (see the module's docstring). Raises `JSONRefused` or a `ValueError`
    (also for an integer of more than 4,300 digits, which Python does not convert)."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=object_pairs_hook,
            parse_int=_parse_int if bounded_integers else int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except RecursionError:  # json.loads recurses per level: about a thousand levels end it
        raise JSONRefused([_too_deep(())]) from None
    problems = json_problems(value)
    if problems:
        raise JSONRefused(problems)
    return value


def json_problems(value: Any) -> list[InputProblem]:
    """What is wrong in a parsed JSON value, in document order. Iterative: the depth check must not recurse."""
    problems: list[InputProblem] = []
    stack: list[tuple[Any, tuple[str | int, ...], int]] = [(value, (), 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        item, path, level = stack.pop()
        if isinstance(item, str):
            reason = text_problem(item)
            if reason:
                problems.append(InputProblem(json_path(path), CODE_CHARACTERS, f"contains {reason}"))
        elif isinstance(item, _OutOfRange):
            problems.append(
                InputProblem(json_path(path), CODE_RANGE, "is a number out of range (64-bit integers, finite numbers)")
            )
        elif isinstance(item, Mapping | list):
            if level >= MAX_DEPTH:
                problems.append(_too_deep(path))
                continue
            children: Iterable[tuple[str | int, Any]] = item.items() if isinstance(item, Mapping) else enumerate(item)
            pushed = []
            for key, child in children:
                if isinstance(key, str):
                    reason = text_problem(key)
                    if reason:
                        problems.append(
                            InputProblem(json_path((*path, key)), CODE_CHARACTERS, f"is a name that contains {reason}")
                        )
                pushed.append((child, (*path, key), level + 1))
            stack.extend(reversed(pushed))
    return problems[:MAX_PROBLEMS]


def _too_deep(path: tuple[str | int, ...]) -> InputProblem:
    return InputProblem(json_path(path), CODE_DEPTH, f"nests objects and arrays more than {MAX_DEPTH} levels deep")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored or written as UTF-8 (a NUL, an unpaired surrogate), or None."""
    if "\x00" in text:
        return "NUL (U+0000)"
    if _encodes(text):
        return None
    surrogate = next(c for c in text if "\ud800" <= c <= "\udfff")
    return f"an unpaired surrogate (U+{ord(surrogate):04X})"


def parameter_problem(text: str) -> str | None:
    """Why a query or path parameter cannot name anything: `text_problem`, or a control character (U+0000-001F,
    U+007F-009F), which no id, email, phone number or cursor holds."""
    problem = text_problem(text)
    if problem:
        return problem
    control = _CONTROL.search(text)
    return f"a control character (U+{ord(control.group()):04X})" if control else None


def parameter_problems(parameters: Mapping[str, Any], *, prefix: str) -> list[InputProblem]:
    """Problems of query (a QueryDict: every value of a repeated name) or path parameters, as `prefix.name`."""
    problems = []
    for name in parameters:
        values = parameters.getlist(name) if hasattr(parameters, "getlist") else [parameters[name]]
        for value in [name, *values]:
            reason = parameter_problem(value) if isinstance(value, str) else None
            if reason:
                problems.append(InputProblem(f"{prefix}.{printable(name)}", CODE_CHARACTERS, f"contains {reason}"))
                break
    return problems[:MAX_PROBLEMS]


def json_path(path: Iterable[str | int]) -> str:
    """`customData.a`, `[1].sender`, `attachments[0].data` (integration API §4); `body` for the root."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{printable(key)}" if text else printable(key))
    return text or "body"


def printable(text: str) -> str:
    """`text` with NUL, control characters and unpaired surrogates written as `\\uXXXX`: safe to echo anywhere."""
    if text.isprintable() and text_problem(text) is None:
        return text
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)


def json_printable(value: Any) -> Any:
    """`value` with what JSON encoders refuse replaced: unpaired surrogates by U+FFFD, non-finite floats by None,
    integers beyond 64 bits by their decimal text. For renderers whose first attempt failed."""
    if isinstance(value, str):
        return value if _encodes(value) else "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if INT_MIN <= value <= INT_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {json_printable(k) if isinstance(k, str) else k: json_printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_printable(v) for v in value]
    return value


def _encodes(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
