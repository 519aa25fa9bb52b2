"""Every mutation follows one convention (Saleor's, :mod:`hub.schema.payloads`).

Read from the schema the server serves: each Mutation field takes exactly one argument,
``input: <Mutation>Input!``, and returns ``<Mutation>Payload!`` whose
``errors: [<Mutation>Error!]!`` holds an error type that implements ``UserError`` and has
``code: <Mutation>ErrorCode!``, an enum whose every code has a Chinese sentence. A new mutation
that does anything else fails here. (That the action table's refusals stay top-level
FORBIDDEN / UNAUTHENTICATED errors is tests/auth/test_auth_mutations.py's walk.)
"""

from __future__ import annotations

from functools import cache

import graphql
import pytest
from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    TypeDefinitionNode,
    print_ast,
)

from hub.auth import Caller, Role
from hub.schema import schema
from hub.schema.payloads import ZH
from tests.seeded import Gql


@cache
def served() -> DocumentNode:
    return graphql.parse(schema().as_str())


def types() -> dict[str, TypeDefinitionNode]:
    return {d.name.value: d for d in served().definitions if isinstance(d, TypeDefinitionNode)}


def fields(node: TypeDefinitionNode) -> dict[str, str]:
    """A type's fields (or an input's) as ``name: Type``."""
    assert isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode |
                      InputObjectTypeDefinitionNode)
    return {f.name.value: print_ast(f.type) for f in node.fields or ()}


def mutation_fields() -> list[FieldDefinitionNode]:
    root = types()["Mutation"]
    assert isinstance(root, ObjectTypeDefinitionNode)
    return list(root.fields or ())


def capitalised(name: str) -> str:
    return name[0].upper() + name[1:]


def test_one_user_error_interface() -> None:
    user_error = types()["UserError"]
    assert isinstance(user_error, InterfaceTypeDefinitionNode)
    assert fields(user_error) == {"field": "String", "message": "String!",
                                  "messageZh": "String!", "messageEn": "String!"}
    implementing = {name for name, t in types().items() if isinstance(t, ObjectTypeDefinitionNode)
                    and "UserError" in {i.name.value for i in t.interfaces or ()}}
    assert implementing == {f"{capitalised(f.name.value)}Error" for f in mutation_fields()}, \
        "each mutation has its own error type"


@pytest.mark.parametrize("name", sorted(f.name.value for f in mutation_fields()))
def test_each_mutation_follows_the_convention(name: str) -> None:
    [field] = [f for f in mutation_fields() if f.name.value == name]
    stem = capitalised(name)
    arguments = {a.name.value: print_ast(a.type) for a in field.arguments or ()}
    assert arguments == {"input": f"{stem}Input!"}, f"{name}: one argument, input: {stem}Input!"
    assert isinstance(types().get(f"{stem}Input"), InputObjectTypeDefinitionNode)
    assert print_ast(field.type) == f"{stem}Payload!"
    payload = types()[f"{stem}Payload"]
    assert isinstance(payload, ObjectTypeDefinitionNode)
    assert fields(payload)["errors"] == f"[{stem}Error!]!"
    error = types()[f"{stem}Error"]
    assert isinstance(error, ObjectTypeDefinitionNode)
    assert [i.name.value for i in error.interfaces or ()] == ["UserError"]
    assert fields(error)["code"] == f"{stem}ErrorCode!"
    codes = types()[f"{stem}ErrorCode"]
    assert isinstance(codes, EnumTypeDefinitionNode)
    values = [v.name.value for v in codes.values or ()]
    assert values and all(ZH.get(v) for v in values), f"{name}: a Chinese sentence per code"
    assert "FORBIDDEN" not in values and "UNAUTHENTICATED" not in values, \
        "permission failures are top-level errors, never payload errors"


CONFIRM = """mutation($r: ID!) { confirmServiceRecord(input: {recordId: $r}) { record { id }
  errors { __typename field code message messageZh } } }"""


async def test_a_refusal_is_a_coded_payload_error_in_two_languages(gql: Gql) -> None:
    admin = Caller(role=Role.ADMIN, sub="admin-1")
    out = (await gql.data(CONFIRM, {"r": "not-an-id"}, caller=admin))["confirmServiceRecord"]
    [error] = out["errors"]
    assert out["record"] is None
    assert (error["__typename"], error["field"], error["code"]) == (
        "ConfirmServiceRecordError", "recordId", "INVALID")
    assert "not-an-id" in error["message"] and error["messageZh"] == ZH["INVALID"]
