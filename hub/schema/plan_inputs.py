"""What a compiled plan (``hub/schema/fastpath.py``) works out once instead of every run:
whether a field's arguments use variables, and each variable's type for coercion (the
variables that can change a query's cost come from ``hub.schema.limits.cost_variables``).
graphql-core does all of this again on every execution.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, OperationDefinitionNode, Undefined, Visitor, visit
from graphql.error import GraphQLError
from graphql.execution.values import VariableValues

try:  # graphql-core 3.3's internals; without them every run coerces the graphql-core way
    from graphql.execution.values import (
        VariableValueSource,
        coerce_input_value,
        get_variable_signature,
        input_is_nested_too_deeply,
    )
except ImportError:  # pragma: no cover
    get_variable_signature = None  # type: ignore[assignment]

MAX_COSTS = 64
PLAIN = frozenset({int, float, str, bool, type(None)})


def uses_variables(node: FieldNode) -> bool:
    found = False

    class _Finder(Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    for arg in node.arguments or ():
        visit(arg, _Finder())
    return found


Signature = Any  # graphql-core's GraphQLVariableSignature (name, type, default)


def signatures(gql: Any, operation: OperationDefinitionNode) -> list[Signature] | None:
    """Each variable's type, resolved once (graphql-core resolves them on every run)."""
    if get_variable_signature is None:  # pragma: no cover
        return None
    out = []
    for node in operation.variable_definitions or ():
        signature = get_variable_signature(gql, node)
        if isinstance(signature, GraphQLError):
            return None
        out.append(signature)
    return out


def coerce(signatures: list[Signature] | None, inputs: dict[str, Any]) -> VariableValues | None:
    """graphql-core's variable coercion for the usual case (every variable given, valid), with
    the signatures resolved at compile time; None sends the run to graphql-core's own."""
    if signatures is None:
        return None
    sources: dict[str, VariableValueSource] = {}
    coerced: dict[str, Any] = {}
    for signature in signatures:
        name = signature.name
        value = inputs.get(name, Undefined)
        if value is Undefined or value is None or input_is_nested_too_deeply(
                value, signature.type):
            return None  # defaults, nulls and oddities: graphql-core decides
        result = coerce_input_value(value, signature.type)
        if result is Undefined:
            return None
        sources[name] = VariableValueSource(signature, value)
        coerced[name] = result
    return VariableValues(sources, coerced)
