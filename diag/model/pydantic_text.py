"""pydantic's own error messages (not diag's validators') in the reader's language.

Each message of the table is pydantic's English template for an error type, written as a
catalog message id: a message that matches it is rendered through the catalog, with the values
pydantic wrote in it (its numbers and choices exactly as it printed them, from `err["ctx"]`), so
English stays pydantic's text byte for byte.  Types not listed, and a message whose wording a
pydantic release changed, stay in pydantic's English: a reader still gets the problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from diag.i18n import lang, mark, tr, tr_marked

# Error type -> pydantic's English templates for it (pydantic 2.x), tried in order.
MESSAGES: dict[str, tuple[str, ...]] = {
    "missing": (mark("Field required"),),
    "extra_forbidden": (mark("Extra inputs are not permitted"),),
    "int_type": (mark("Input should be a valid integer"),),
    "int_parsing": (mark("Input should be a valid integer, unable to parse string as an integer"),),
    "int_from_float": (
        mark("Input should be a valid integer, got a number with a fractional part"),
    ),
    "float_type": (mark("Input should be a valid number"),),
    "float_parsing": (mark("Input should be a valid number, unable to parse string as a number"),),
    "finite_number": (mark("Input should be a finite number"),),
    "string_type": (mark("Input should be a valid string"),),
    "bool_type": (mark("Input should be a valid boolean"),),
    "bool_parsing": (mark("Input should be a valid boolean, unable to interpret input"),),
    "list_type": (mark("Input should be a valid list"),),
    "tuple_type": (mark("Input should be a valid tuple"),),
    "dict_type": (mark("Input should be a valid dictionary"),),
    "model_type": (mark("Input should be a valid dictionary or instance of {class_name}"),),
    "greater_than": (mark("Input should be greater than {gt}"),),
    "greater_than_equal": (mark("Input should be greater than or equal to {ge}"),),
    "less_than": (mark("Input should be less than {lt}"),),
    "less_than_equal": (mark("Input should be less than or equal to {le}"),),
    "literal_error": (mark("Input should be {expected}"),),
    "enum": (mark("Input should be {expected}"),),
    "string_too_short": (mark("String should have at least {min_length} characters"),),
    "string_too_long": (mark("String should have at most {max_length} characters"),),
    "string_pattern_mismatch": (mark("String should match pattern '{pattern}'"),),
    "too_short": (
        mark("List should have at least {min_length} items after validation, not {actual_length}"),
    ),
    "too_long": (
        mark("List should have at most {max_length} items after validation, not {actual_length}"),
    ),
}
# pydantic writes "1 character" in the singular (min_length=1: a field that must not be empty);
# "1 item" of a list is left to pydantic's English.
MESSAGES["string_too_short"] += (mark("String should have at least 1 character"),)
MESSAGES["string_too_long"] += (mark("String should have at most 1 character"),)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    """The template as a regular expression: each {name} captures what pydantic wrote there."""
    out = ""
    for literal, name in re.findall(r"([^{]*)(?:\{(\w+)\})?", template):
        out += re.escape(literal) + (f"(?P<{name}>.+?)" if name else "")
    return re.compile(out)


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" with its last "or" in the reader's language."""
    head, sep, last = expected.rpartition(" or ")
    return tr("{first} or {last}", first=head, last=last) if sep else expected


def pydantic_text(err: Mapping[str, Any]) -> str:
    """The message of one of pydantic's errors (`ValidationError.errors()`) for the reader."""
    msg = str(err["msg"])
    if lang() == "en":
        return msg
    for template in MESSAGES.get(str(err["type"]), ()):
        m = _pattern(template).fullmatch(msg)
        if m is None:
            continue
        values = m.groupdict()
        if "expected" in values:
            values["expected"] = _choices(values["expected"])
        return tr_marked(template, **values)
    return msg
