"""Parsed and validated query documents by text, in a cache bounded in bytes.

strawberry's ParserCache and ValidationCache count entries: a thousand distinct texts padded
to a megabyte each would keep a gigabyte. Here an entry weighs what it keeps (the text, and
about :data:`TOKEN_BYTES` per token of the parsed document, measured with tracemalloc on the
hub's queries), the cache holds at most a budget of bytes, and one entry may take at most
1/:data:`MAX_SHARE` of it, so a few huge texts cannot flush the small hot ones either.

A text's validation outcome is kept beside its document: the schema and the rules are the
same for every request. Before validation the document's shape is checked
(:mod:`hub.schema.shape`), so nothing the validators would recurse on reaches them.
"""

from __future__ import annotations

import sys
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from graphql import ASTValidationRule, DocumentNode, GraphQLError, Token
from strawberry.extensions import SchemaExtension

from hub.schema.shape import ShapeLimits, shape_error

TOKEN_BYTES = 450
MAX_SHARE = 32
K = TypeVar("K")
V = TypeVar("V")


class ByteLRU(Generic[K, V]):
    """A least-recently-used map holding at most ``budget_bytes`` of estimated weight."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return item[0]

    def put(self, key: K, value: V, weight: int) -> bool:
        """Keep ``value`` unless it alone would take more than its share; evict the least
        recently used entries until the budget holds."""
        if weight > self.budget_bytes // MAX_SHARE:
            return False
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._items[key] = (value, weight)
        self.bytes += weight
        while self.bytes > self.budget_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped
        return True


def document_weight(query: str, document: DocumentNode) -> int:
    """Estimated bytes a parsed document and its text keep alive."""
    if document.loc is None:  # parsed without locations: assume a token per 4 characters
        return sys.getsizeof(query) + TOKEN_BYTES * (len(query) // 4)
    tokens = 0
    token: Token | None = document.loc.start_token
    while token is not None:
        tokens += 1
        token = token.next
    return sys.getsizeof(query) + TOKEN_BYTES * tokens


@dataclass
class _Entry:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # the validation outcome, once known


class Documents:
    """The process's parsed documents and validation outcomes (one per schema); registered
    documents (``hub/schema/trusted.py``) are pinned: never evicted."""

    def __init__(self, budget_bytes: int, shape: ShapeLimits, max_query_chars: int) -> None:
        self.entries: ByteLRU[str, _Entry] = ByteLRU(budget_bytes)
        self.pinned: dict[str, _Entry] = {}
        self.shape = shape
        self.max_query_chars = max_query_chars
        self.validations = 0  # validations run (not answered from the cache)

    def pin(self, documents: Iterable[tuple[str, DocumentNode]]) -> None:
        """Keep these (text, parsed document) pairs for good."""
        for text, document in documents:
            self.pinned[text] = _Entry(document)

    def get(self, text: str) -> _Entry | None:
        return self.pinned.get(text) or self.entries.get(text)


class DocumentCache(SchemaExtension):
    """Answers parsing and validation from :class:`Documents`; refuses texts longer than
    ``max_query_chars`` before parsing and checks the shape before validating.

    It also sets what strawberry's ``MaxTokensLimiter`` and ``AddValidationRules`` would
    (``max_tokens`` for the parser, ``rules`` for the validator), in the steps that use them:
    a request whose document is cached skips both, and the two extensions' hooks, which ran
    on every request, cost about a tenth of a compiled request's time.
    """

    def __init__(self, documents: Documents, *, max_tokens: int | None = None,
                 rules: Sequence[type[ASTValidationRule]] = ()) -> None:
        self.documents = documents
        self.entry: _Entry | None = None
        self.max_tokens = max_tokens
        self.rules = tuple(rules)

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        query = ctx.query
        most = self.documents.max_query_chars
        if query is not None and len(query) > most:
            # Lexing a megabyte of blanks takes graphql-core about half a second.
            raise GraphQLError(f"the query text has {len(query)} characters; at most {most}",
                               extensions={"code": "QUERY_TOO_LARGE", "limit": most,
                                           "messageZh": f"查询文本有 {len(query)} 个字符，"
                                                        f"最多 {most} 个"})
        if query is not None and ctx.graphql_document is None:
            self.entry = self.documents.get(query)
            if self.entry is not None:
                ctx.graphql_document = self.entry.document
        if self.entry is None and self.max_tokens is not None:
            ctx.parse_options["max_tokens"] = self.max_tokens
        yield  # on a miss strawberry parses, and reports a syntax error itself
        if self.entry is None and query is not None and ctx.graphql_document is not None:
            self.entry = _Entry(ctx.graphql_document)
            self.documents.entries.put(query, self.entry,
                                       document_weight(query, ctx.graphql_document))

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        entry = self.entry
        if entry is not None and entry.errors is not None:
            ctx.pre_execution_errors = entry.errors
            yield
            return
        if ctx.graphql_document is not None:
            error = shape_error(ctx.graphql_document, self.documents.shape)
            if error is not None:
                ctx.pre_execution_errors = [error]
            else:
                self.documents.validations += 1
                ctx.validation_rules = (*ctx.validation_rules, *self.rules)
        yield  # strawberry validates unless the shape was refused
        if entry is not None and ctx.pre_execution_errors is not None:
            entry.errors = list(ctx.pre_execution_errors)
