"""Arguments that name codes of the vocabulary (``hub/vocabulary.py``): a category, skill or
cohort (and a status or kind) may be given by its code, its Chinese or English label or a
listed synonym (``health``, ``医疗健康``, ``健康科普``, ``Health``); the resolver gets the code.
Anything else is BAD_USER_INPUT naming the field and listing the codes with their labels, in
both languages.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.schema.errors import BadUserInput
from hub.vocabulary import Vocabulary

MAX_LIST = 20


def unknown(field: str, value: str, vocab: Vocabulary) -> BadUserInput:
    """The error for a value that is no code, label or synonym of ``vocab``."""
    return BadUserInput(field, value, f"is not one of {vocab.allowed('en')}",
                        f"不是可选的值，可选：{vocab.allowed('zh')}")


def code(field: str, value: str, vocab: Vocabulary) -> str:
    """The code ``value`` names."""
    found = vocab.lookup(value)
    if found is None:
        raise unknown(field, value, vocab)
    return found


def codes(field: str, values: Sequence[str] | None, vocab: Vocabulary) -> tuple[str, ...]:
    """The codes ``values`` name (at most :data:`MAX_LIST`), duplicates dropped, in order."""
    if not values:
        return ()
    if len(values) > MAX_LIST:
        raise BadUserInput(field, len(values), f"values given; at most {MAX_LIST}",
                           f"个值，最多 {MAX_LIST} 个")
    out: dict[str, None] = {}
    for n, value in enumerate(values):
        out[code(f"{field}[{n}]", value, vocab)] = None
    return tuple(out)


def normalized(value: str, vocab: Vocabulary) -> str:
    """The code ``value`` names, or ``value`` as it is when it names none (the service then
    refuses it with the field's own message)."""
    return vocab.lookup(value) or value
