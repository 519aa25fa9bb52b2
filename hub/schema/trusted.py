"""Trusted documents: the operations the console, the benchmarks and partners rely on.

Each is a ``.graphql`` file in ``hub/schema/documents/`` (one named operation), listed with its
sha256 in ``manifest.json`` in Apollo's persisted-query manifest format
(``make documents`` writes it; a test keeps it equal to the files). A client
names a registered document by that hash, as Apollo's persisted-query extension does::

    {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}},
     "variables": {...}}

or sends its text as it is (the text then must hash to the same id when both are given). An
unknown hash is refused with ``PERSISTED_QUERY_NOT_FOUND``; documents are never registered
from traffic. Other texts still run through strawberry, unless
``HUB_ANONYMOUS_REGISTERED_ONLY`` is set and the caller is anonymous
(``PERSISTED_QUERY_NOT_IN_LIST``). Only registered query documents are compiled
(``hub/schema/fastpath.py``), once, when the schema is built.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension

from hub.schema.context import Context
from hub.schema.messages import zh

DOCUMENTS_DIR = Path(__file__).with_name("documents")
MANIFEST = DOCUMENTS_DIR / "manifest.json"
FORMAT = "apollo-persisted-query-manifest"
# What a refused request executes instead of its own text: nothing (its validation fails).
_REFUSED = parse("{ __typename }")


def sha256(text: str) -> str:
    """The id of a document: the hex sha256 of its text in UTF-8 (Apollo's)."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class TrustedDocument:
    """One registered operation."""

    name: str
    body: str

    @classmethod
    def of(cls, body: str) -> TrustedDocument:
        """The document of a text, named after its operation."""
        [operation] = [d for d in parse(body).definitions
                       if isinstance(d, OperationDefinitionNode)]
        return cls(operation.name.value if operation.name else "", body)

    @cached_property
    def id(self) -> str:
        return sha256(self.body)

    @cached_property
    def document(self) -> DocumentNode:
        return parse(self.body)

    @property
    def operation(self) -> OperationDefinitionNode:
        [operation] = [d for d in self.document.definitions
                       if isinstance(d, OperationDefinitionNode)]
        return operation

    @property
    def type(self) -> str:
        return self.operation.operation.value


class TrustedDocuments:
    """The registered documents by id and by text."""

    def __init__(self, documents: Iterable[TrustedDocument]) -> None:
        self.documents = list(documents)
        self.by_id = {d.id: d for d in self.documents}
        self.by_text = {d.body: d for d in self.documents}
        for document in self.documents:
            if document.operation.name is None or document.operation.name.value != document.name:
                raise ValueError(f"the registered document {document.name!r} must be one "
                                 f"operation named {document.name}")

    @classmethod
    def from_files(cls, directory: Path = DOCUMENTS_DIR) -> TrustedDocuments:
        """The ``.graphql`` files of ``directory`` (a file's last newline is not its text)."""
        return cls(TrustedDocument(path.stem, path.read_text(encoding="utf-8").removesuffix("\n"))
                   for path in sorted(directory.glob("*.graphql")))

    @classmethod
    def load(cls, manifest: Path = MANIFEST) -> TrustedDocuments:
        """The documents of a manifest, each id checked against its text."""
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != 1:
            raise ValueError(f"{manifest} is not an {FORMAT} (version 1)")
        documents = cls(TrustedDocument(op["name"], op["body"]) for op in data["operations"])
        for op, document in zip(data["operations"], documents.documents, strict=True):
            if op["id"] != document.id or op["type"] != document.type:
                raise ValueError(f"{manifest}: {op['name']} has id or type that its body "
                                 "does not give: run `make documents`")
        return documents

    def manifest(self) -> dict[str, Any]:
        """Apollo's persisted-query manifest of these documents."""
        return {"format": FORMAT, "version": 1, "operations": [
            {"id": d.id, "name": d.name, "type": d.type, "body": d.body}
            for d in self.documents]}

    def __iter__(self) -> Iterator[TrustedDocument]:
        return iter(self.documents)


def _refusal(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "messageZh": zh(code)})


class PersistedQueries(SchemaExtension):
    """Finds the registered document a request names by ``persistedQuery`` (or refuses it),
    and refuses other texts from anonymous callers when the settings require registered
    documents of them. A refused request executes nothing: its validation fails with the
    refusal, so every extension sees it end as usual."""

    def __init__(self, documents: TrustedDocuments) -> None:
        self.documents = documents
        self.refusal: GraphQLError | None = None

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        asked = (ctx.operation_extensions or {}).get("persistedQuery")
        if asked is not None:
            self.refusal = self._resolve(asked)
        elif ctx.query is not None and ctx.query not in self.documents.by_text and \
                _registered_only(ctx.context):
            self.refusal = _refusal("PERSISTED_QUERY_NOT_IN_LIST",
                                    "anonymous callers may run registered documents only: "
                                    "send extensions.persistedQuery.sha256Hash")
        if self.refusal is not None:
            ctx.query, ctx.graphql_document = None, _REFUSED
        yield

    def _resolve(self, asked: object) -> GraphQLError | None:
        ctx = self.execution_context
        if not isinstance(asked, dict) or asked.get("version") != 1 or not isinstance(
                asked.get("sha256Hash"), str):
            return _refusal("PERSISTED_QUERY_NOT_SUPPORTED",
                            "persistedQuery must be {version: 1, sha256Hash: <hex>}")
        digest = asked["sha256Hash"].lower()
        if ctx.query is not None and sha256(ctx.query) != digest:
            return _refusal("BAD_REQUEST", "the query's sha256 is not persistedQuery.sha256Hash")
        document = self.documents.by_id.get(digest)
        if document is None:
            return _refusal("PERSISTED_QUERY_NOT_FOUND",
                            f"no registered document has sha256 {digest[:64]!r}")
        ctx.query = document.body
        return None

    def on_validate(self) -> Iterator[None]:
        if self.refusal is not None:
            self.execution_context.pre_execution_errors = [self.refusal]
        yield


def _registered_only(context: object) -> bool:
    """Whether this request's caller may run registered documents only."""
    return isinstance(context, Context) and context.settings.anonymous_registered_only and \
        context.caller.is_anonymous


def main(argv: list[str] | None = None) -> int:
    """Write ``manifest.json`` from the ``.graphql`` files (``--check``: only compare)."""
    text = json.dumps(TrustedDocuments.from_files().manifest(), ensure_ascii=False,
                      indent=2) + "\n"
    if "--check" in (argv if argv is not None else sys.argv[1:]):
        same = MANIFEST.exists() and MANIFEST.read_text(encoding="utf-8") == text
        print("manifest.json is up to date" if same else "manifest.json is stale: make documents")
        return 0 if same else 1
    MANIFEST.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
