"""The committed SDL is current and carries the public contract (federation v2 subgraph).

The SDL is parsed with graphql-core and checked on its AST: federation directives (@key, @tag,
@link) have no definitions in a subgraph SDL, so ``graphql.build_schema`` is only used on a
copy with every directive removed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from typing import TypeVar

import pytest
from graphql import (
    REMOVE,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListValueNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    Visitor,
    build_ast_schema,
    parse,
    print_ast,
    visit,
)

from hub.schema import SDL_PATH, schema_sdl

REGENERATE = ".venv/bin/hub export-schema > hub/schema/schema.graphql"

ENTITIES = ("Region", "Organization", "Volunteer", "Station", "Demand", "Activity", "Project",
            "Dispatch")
PII_FIELDS = {"phone", "idNumber", "location", "birthDate"}


# -- helpers ---------------------------------------------------------------------------------
@cache
def document() -> DocumentNode:
    return parse(schema_sdl())


def definitions() -> dict[str, TypeDefinitionNode]:
    return {d.name.value: d for d in document().definitions if isinstance(d, TypeDefinitionNode)}


T = TypeVar("T", bound=TypeDefinitionNode)


def definition(name: str, kind: type[T]) -> T:
    node = definitions().get(name)
    assert node is not None, f"the SDL has no definition of {name}"
    assert isinstance(node, kind), f"{name} is a {type(node).__name__}, not a {kind.__name__}"
    return node


def argument(arg: InputValueDefinitionNode) -> str:
    """``name: Type = default``; an explicit ``= null`` on a nullable argument is dropped
    (it means the same as no default)."""
    text = f"{arg.name.value}: {print_ast(arg.type)}"
    if arg.default_value is not None and not (
        isinstance(arg.default_value, NullValueNode) and not isinstance(arg.type, NonNullTypeNode)
    ):
        text += f" = {print_ast(arg.default_value)}"
    return text


def signature(field: FieldDefinitionNode) -> str:
    """``name(arg: T = d, ...): Type``, without descriptions and directives."""
    args = f"({', '.join(argument(a) for a in field.arguments)})" if field.arguments else ""
    return f"{field.name.value}{args}: {print_ast(field.type)}"


def fields(name: str) -> dict[str, FieldDefinitionNode]:
    node = definitions()[name]
    assert isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode)
    return {f.name.value: f for f in node.fields or ()}


def input_fields(name: str) -> dict[str, InputValueDefinitionNode]:
    node = definition(name, InputObjectTypeDefinitionNode)
    return {f.name.value: f for f in node.fields or ()}


def directive_args(directive: DirectiveNode) -> dict[str, str]:
    """A directive's arguments, string values unquoted, others printed."""
    return {
        a.name.value: a.value.value if isinstance(a.value, StringValueNode) else print_ast(a.value)
        for a in directive.arguments or ()
    }


def applied(node: TypeDefinitionNode | FieldDefinitionNode, name: str) -> list[dict[str, str]]:
    """The arguments of each ``@name`` applied to ``node``."""
    return [directive_args(d) for d in node.directives or () if d.name.value == name]


class _StripDirectives(Visitor):
    def enter_directive(self, *_: object) -> object:
        return REMOVE


# -- the committed file and the command ------------------------------------------------------
def test_committed_sdl_is_current():
    committed = SDL_PATH.read_text(encoding="utf-8")
    assert committed == schema_sdl(), (
        f"hub/schema/schema.graphql is out of date with the code; run `{REGENERATE}` "
        "(or `make schema`) and commit the result"
    )


def test_export_schema_prints_the_sdl():
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "export-schema"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.decode("utf-8") == schema_sdl()


def test_sdl_is_a_valid_schema_without_its_directives():
    # Checks every referenced type exists and every `implements` is satisfied.
    stripped = visit(document(), _StripDirectives())
    built = build_ast_schema(stripped)
    assert built.query_type is not None and built.query_type.name == "Query"
    assert built.get_type("Node") is not None


# -- federation ------------------------------------------------------------------------------
def test_links_federation_v2_with_key_and_tag():
    links = [
        d
        for node in document().definitions
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode)
        for d in node.directives or ()
        if d.name.value == "link"
    ]
    federation = [
        d
        for d in links
        if directive_args(d)["url"].startswith("https://specs.apollo.dev/federation/")
    ]
    assert len(federation) == 1, f"want one federation @link, got {[print_ast(d) for d in links]}"
    link = federation[0]
    url = directive_args(link)["url"]
    assert re.fullmatch(r"https://specs\.apollo\.dev/federation/v2\.\d+", url), url
    imports = next((a.value for a in link.arguments or () if a.name.value == "import"), None)
    assert isinstance(imports, ListValueNode), f"{print_ast(link)} imports nothing"
    names = {v.value for v in imports.values if isinstance(v, StringValueNode)}
    assert {"@key", "@tag"} <= names, f"{print_ast(link)} must import @key and @tag"


@pytest.mark.parametrize("name", ENTITIES)
def test_entity_is_a_node_keyed_by_id(name: str):
    node = definition(name, ObjectTypeDefinitionNode)
    assert "Node" in {i.name.value for i in node.interfaces or ()}, f"{name} must implement Node"
    assert {"fields": "id"} in applied(node, "key"), f'{name} needs @key(fields: "id")'
    assert signature(fields(name)["id"]) == "id: ID!"


def test_region_is_also_keyed_by_code():
    region = definition("Region", ObjectTypeDefinitionNode)
    assert applied(region, "key") == [{"fields": "id"}, {"fields": "code"}]
    assert signature(fields("Region")["code"]) == "code: String!"


def test_entity_union_lists_exactly_the_entities():
    union = definition("_Entity", UnionTypeDefinitionNode)
    assert {t.name.value for t in union.types or ()} == set(ENTITIES)


def test_node_interface():
    node = definition("Node", InterfaceTypeDefinitionNode)
    assert [signature(f) for f in node.fields or ()] == ["id: ID!"]


def test_volunteer_pii_fields_are_tagged():
    volunteer = fields("Volunteer")
    for name in sorted(PII_FIELDS):
        assert name in volunteer, f"Volunteer.{name} is missing"
        assert {"name": "pii"} in applied(volunteer[name], "tag"), (
            f'Volunteer.{name} must carry @tag(name: "pii")'
        )
    assert signature(volunteer["phone"]) == "phone: String"
    assert signature(volunteer["idNumber"]) == "idNumber: String"
    assert signature(volunteer["location"]) == "location(crs: CRS = WGS84): GeoPoint"


def test_only_the_intended_tags_are_used():
    # A typo (`@tag(name: "PII")`) would silently leak a field into a contract variant.
    tags = {
        args["name"]
        for d in document().definitions
        if isinstance(d, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode)
        for f in [d, *(d.fields or ())]
        for args in applied(f, "tag")
    }
    assert tags == {"pii"}


# -- the geo contract ------------------------------------------------------------------------
def test_crs_enum():
    crs = definition("CRS", EnumTypeDefinitionNode)
    assert [v.name.value for v in crs.values or ()] == ["WGS84", "GCJ02", "BD09"]


def test_map_layer_enum():
    layer = definition("MapLayer", EnumTypeDefinitionNode)
    assert {v.name.value for v in layer.values or ()} >= {"VOLUNTEERS", "STATIONS", "DEMANDS",
                                                          "ACTIVITIES"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PointInput", ["lon: Float!", "lat: Float!", "crs: CRS = WGS84"]),
        ("NearInput", ["point: PointInput!", "radiusM: Float!"]),
        (
            "BBoxInput",
            ["west: Float!", "south: Float!", "east: Float!", "north: Float!", "crs: CRS = WGS84"],
        ),
        ("WithinInput", ["bbox: BBoxInput", "geojson: GeoJSON"]),
    ],
)
def test_input(name: str, expected: list[str]):
    actual = input_fields(name)
    for want in expected:
        field = want.split(":")[0]
        assert field in actual, f"{name}.{field} is missing"
        assert argument(actual[field]) == want
    # Anything more must be optional, or existing clients break.
    for field, node in actual.items():
        if all(want.split(":")[0] != field for want in expected):
            assert not isinstance(node.type, NonNullTypeNode) or node.default_value is not None, (
                f"{name}.{field} is a new required input field"
            )


def test_geo_point():
    assert [signature(f) for f in fields("GeoPoint").values()] == ["lon: Float!", "lat: Float!"]


CONNECTION_ARGS = (
    "first: Int, after: String, filter: {}Filter, near: NearInput, within: WithinInput"
)
QUERY_FIELDS = {
    "node": "node(id: ID!): Node",
    "nodes": "nodes(ids: [ID!]!): [Node]!",
    **{
        plural: f"{plural}({CONNECTION_ARGS.format(kind)}): {kind}Connection!"
        for plural, kind in (
            ("volunteers", "Volunteer"),
            ("stations", "Station"),
            ("demands", "Demand"),
            ("activities", "Activity"),
        )
    },
    "organizations": (
        "organizations(first: Int, after: String, filter: OrganizationFilter)"
        ": OrganizationConnection!"
    ),
    "regions": "regions(parentCode: String): [Region!]!",
    "nearestStations": "nearestStations(point: PointInput!, k: Int = 5): [Station!]!",
    "mapLayer": (
        "mapLayer(layer: MapLayer!, bbox: BBoxInput!, crs: CRS = WGS84, limit: Int = 5000)"
        ": GeoJSON!"
    ),
}


@pytest.mark.parametrize("name", sorted(QUERY_FIELDS))
def test_query_field(name: str):
    query = fields("Query")
    assert name in query, f"Query.{name} is missing"
    assert signature(query[name]) == QUERY_FIELDS[name]


def test_federation_query_fields():
    query = fields("Query")
    assert signature(query["_service"]) == "_service: _Service!"
    assert signature(query["_entities"]) == "_entities(representations: [_Any!]!): [_Entity]!"


def test_connections_have_relay_shape():
    for kind in ("Volunteer", "Station", "Demand", "Organization", "Activity"):
        connection = fields(f"{kind}Connection")
        assert signature(connection["edges"]) == f"edges: [{kind}Edge!]!"
        assert signature(connection["pageInfo"]) == "pageInfo: PageInfo!"
        edge = fields(f"{kind}Edge")
        assert signature(edge["cursor"]) == "cursor: String!"
        assert signature(edge["node"]) == f"node: {kind}!"
