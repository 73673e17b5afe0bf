"""The LMS365 emulation's OData query language: tokenizer, parser, interpreter, $orderby,
$select and $expand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.vendors.lms365.odata import (
    BOOLEAN,
    DATETIME,
    DECIMAL,
    GUID,
    GUIDS,
    INT,
    MAX_DEPTH,
    STRING,
    Call,
    Compare,
    EntityType,
    Expand,
    Literal,
    Logical,
    Navigation,
    Not,
    NotSupportedInLinq,
    Property,
    QueryError,
    equalities,
    evaluate,
    matches,
    parse_expand,
    parse_filter,
    parse_orderby,
    parse_select,
    tokenize,
)

PERSON = EntityType(
    "Person",
    {
        "Id": GUID,
        "Name": STRING,
        "Age": INT,
        "Score": DECIMAL,
        "Active": BOOLEAN,
        "Joined": DATETIME,
        "Tags": GUIDS,
        "Zone": STRING,
    },
    non_filterable=frozenset({"Zone"}),
    navigations={"Team": Navigation("Teams", many=False, key="TeamId")},
)
TEAM = EntityType("Team", {"Id": GUID, "Title": STRING})
ENTITIES = {"People": PERSON, "Teams": TEAM}
GUID_A = "0f8fad5b-d9cb-469f-a165-70867728950e"

ANN: dict[str, Any] = {
    "Id": GUID_A,
    "Name": "Ann O'Neil",
    "Age": 34,
    "Score": 81.5,
    "Active": True,
    "Joined": "2024-01-15T15:00:00Z",
    "Tags": [],
    "Zone": "UTC",
}
BOB: dict[str, Any] = {
    **ANN,
    "Id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "Name": "Bob",
    "Age": 19,
    "Score": None,
    "Active": False,
    "Joined": None,
}


def check(text: str, record: dict[str, Any] = ANN) -> bool:
    return matches(parse_filter(text, PERSON), record)


# -- literals and tokens -----------------------------------------------------------------------


def test_tokenize_string_with_doubled_quote_yields_one_quote() -> None:
    (token, end) = tokenize("'O''Neil'")
    assert (token.kind, token.value, end.kind) == ("string", "O'Neil", "end")


def test_parse_string_literal_escape_matches_record() -> None:
    assert check("Name eq 'Ann O''Neil'")


def test_parse_guid_literal_is_lower_case_guid() -> None:
    node = parse_filter(f"Id eq {GUID_A.upper()}", PERSON)
    assert node == Compare("eq", Property("Id", GUID), Literal(GUID_A, GUID))
    assert check(f"Id eq {GUID_A.upper()}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Joined eq 2024-01-15T15:00:00Z", True),
        ("Joined eq 2024-01-15T17:00:00+02:00", True),
        ("Joined gt 2024-01-15T14:59:59.5Z", True),
        ("Joined lt 2024-01-15", False),
        ("Joined ge 2024-01-15", True),
    ],
)
def test_evaluate_dates_and_datetimes_compare_in_utc(text: str, expected: bool) -> None:
    assert check(text) is expected


def test_parse_datetime_literal_is_utc_datetime() -> None:
    node = parse_filter("Joined gt 2024-01-15T17:00:00+02:00", PERSON)
    assert isinstance(node, Compare) and isinstance(node.right, Literal)
    assert node.right.value == datetime(2024, 1, 15, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Age eq 34", True),
        ("Age ne 34", False),
        ("Age gt 33", True),
        ("Age ge 34", True),
        ("Age lt 34", False),
        ("Age le 34", True),
        ("Score gt 81.4", True),
        ("Score lt 1e2", True),
        ("Age gt -5", True),
        ("Active eq true", True),
        ("Active eq false", False),
        ("Active", True),
        ("Score eq null", False),
        ("Score ne null", True),
        ("Age in (1, 34, 50)", True),
        ("Name in ('bob', 'carl')", False),
    ],
)
def test_evaluate_each_comparison_operator(text: str, expected: bool) -> None:
    assert check(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contains(Name, 'neil')", True),
        ("contains(Name, 'xyz')", False),
        ("startswith(Name, 'ann')", True),
        ("startswith(Name, 'neil')", False),
        ("endswith(Name, 'NEIL')", True),
        ("endswith(Name, 'ann')", False),
        ("tolower(Name) eq 'ann o''neil'", True),
        ("toupper(Name) eq 'ANN O''NEIL'", True),
        ("length(Name) eq 10", True),
        ("trim(' x ') eq 'x'", True),
    ],
)
def test_evaluate_each_function(text: str, expected: bool) -> None:
    assert check(text) is expected


def test_evaluate_string_case_sensitive_when_asked() -> None:
    node = parse_filter("Name eq 'ann o''neil'", PERSON)
    assert matches(node, ANN)
    assert not matches(node, ANN, case_insensitive=False)


# -- nulls and three-valued logic --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Score gt 1", False),
        ("Score lt 1", False),
        ("Score eq null", True),
        ("Score ne 1", True),
        ("not (Score gt 1)", True),
        ("Score gt 1 or Age eq 19", True),
        ("contains(Name, null)", False),
    ],
)
def test_evaluate_null_follows_lifted_operators(text: str, expected: bool) -> None:
    assert check(text, BOB) is expected


def test_evaluate_logic_with_null_is_three_valued() -> None:
    node = parse_filter("Score gt 1 and Active eq false", PERSON)
    # (null > 1) is false with C#'s lifted operators, so the conjunction is false
    assert evaluate(node, BOB) is False
    assert evaluate(parse_filter("null and true", PERSON), BOB) is None
    assert evaluate(parse_filter("null or true", PERSON), BOB) is True


# -- precedence and grouping -------------------------------------------------------------------


def test_parse_and_binds_tighter_than_or() -> None:
    node = parse_filter("Age eq 1 or Age eq 34 and Active eq false", PERSON)
    assert isinstance(node, Logical) and node.op == "or"
    assert isinstance(node.right, Logical) and node.right.op == "and"
    assert not check("Age eq 1 or Age eq 34 and Active eq false")


def test_parse_parentheses_override_precedence() -> None:
    node = parse_filter("(Age eq 1 or Age eq 34) and Active eq true", PERSON)
    assert isinstance(node, Logical) and node.op == "and"
    assert check("(Age eq 1 or Age eq 34) and Active eq true")


def test_parse_not_binds_tighter_than_and() -> None:
    node = parse_filter("not Active and Age eq 19", PERSON)
    assert isinstance(node, Logical) and node.op == "and"
    assert isinstance(node.left, Not)
    assert check("not Active and Age eq 19", BOB)
    assert not check("not Active and Age eq 19")


def test_parse_not_of_function_call() -> None:
    node = parse_filter("not contains(Name, 'x')", PERSON)
    assert node == Not(Call("contains", (Property("Name", STRING), Literal("x", STRING)), BOOLEAN))
    assert check("not contains(Name, 'x')")


def test_parse_not_before_comparison_is_type_error_as_in_odatalib() -> None:
    with pytest.raises(QueryError, match="unary operator with an incompatible type"):
        parse_filter("not Name eq 'x'", PERSON)


def test_equalities_of_and_chain_only() -> None:
    node = parse_filter(f"Id eq {GUID_A} and Age gt 3 and 34 eq Age", PERSON)
    assert equalities(node) == {"Id": GUID_A, "Age": 34}
    assert equalities(parse_filter(f"Id eq {GUID_A} or Age eq 3", PERSON)) == {}


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Name eq 'abc", "Unterminated string literal at position 8 in 'Name eq 'abc'."),
        ("Name xx 'a'", "Syntax error: unknown operator 'xx' at position 5"),
        ("Age add 1 eq 2", "The operator 'add' at position 4 is not supported"),
        ("Nope eq 1", "Could not find a property named 'Nope' on type 'LMS365.Person'."),
        ("Name eq 'a' 'b'", "Syntax error at position 12"),
        ("Name eq 'a')", "Syntax error at position 11"),
        ("(Name eq 'a'", "')' or operator expected at position 12"),
        ("Name eq", "Expression expected at position 7"),
        ("", "Expression expected at position 0"),
        ("Name eq 'a' and", "Expression expected at position 15"),
        ("Name # 'a'", "character '#' is not valid at position 5"),
        ("Name eq 1", "incompatible types was detected. Found operand types 'Edm.String' and"),
        ("Id eq 'x'", "Found operand types 'Edm.Guid' and 'Edm.String'"),
        ("Active gt true", "for operator kind 'GreaterThan'"),
        ("Tags eq null", "incompatible types"),
        ("Age", "must evaluate to a single boolean value"),
        ("Age and Active", "for operator kind 'And'"),
        ("contains(Name)", "No function signature for the function with name 'contains'"),
        ("contains(Age, 'x')", "No function signature"),
        ("frobnicate(Name)", "An unknown function with name 'frobnicate' was found"),
        ("Team/Title eq 'x'", "Property paths"),
        ("Team eq null", "navigation property 'Team'"),
        ("Joined eq 2024-13-45", "date '2024-13-45'"),
    ],
)
def test_parse_malformed_filter_raises_clear_error(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_filter(text, PERSON)
    assert message in str(caught.value)


def test_parse_too_deep_nesting_raises_recursion_limit() -> None:
    text = "(" * (MAX_DEPTH + 1) + "Active" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(QueryError, match=r"The recursion limit has been exceeded\."):
        parse_filter(text, PERSON)


def test_parse_too_many_not_raises_recursion_limit() -> None:
    with pytest.raises(QueryError, match="recursion limit"):
        parse_filter("not " * (MAX_DEPTH + 1) + "Active", PERSON)


def test_parse_nesting_within_limit_succeeds() -> None:
    text = "(" * MAX_DEPTH + "Active" + ")" * MAX_DEPTH
    assert check(text)


def test_parse_too_many_nodes_raises_node_count_limit() -> None:
    text = " or ".join(["Age eq 1"] * 40)
    with pytest.raises(QueryError, match="node count limit of '100'"):
        parse_filter(text, PERSON)


def test_parse_non_filterable_property_raises_linq_error() -> None:
    with pytest.raises(NotSupportedInLinq) as caught:
        parse_filter("Zone eq 'UTC'", PERSON)
    assert str(caught.value) == (
        "The specified type member 'Zone' is not supported in LINQ to Entities. Only "
        "initializers, entity members, and entity navigation properties are supported."
    )
    assert caught.value.exception_type == "System.NotSupportedException"


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "Name eq __import__('os')",
        "exec('1')",
        "Name eq 'a'; import os",
        "lambda: 1",
        "Name.__class__ eq 'x'",
        "[x for x in ()]",
    ],
)
def test_parse_python_code_is_only_a_parse_error(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Python code was evaluated")

    monkeypatch.setattr("builtins.eval", forbidden)
    monkeypatch.setattr("builtins.exec", forbidden)
    monkeypatch.setattr("builtins.__import__", forbidden)
    with pytest.raises(QueryError):
        parse_filter(text, PERSON)


# -- $orderby, $select, $expand ----------------------------------------------------------------


def test_parse_orderby_several_keys_with_directions() -> None:
    assert parse_orderby("Name desc, Age,Score asc", PERSON) == (
        ("Name", True),
        ("Age", False),
        ("Score", False),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Nope", "Could not find a property named 'Nope'"),
        ("Name sideways", "',' or the end of the $orderby expected at position 5"),
        ("Name,", "Expression expected at position 5"),
        ("Name, Name desc", "Duplicate property named 'Name'"),
        ("Tags", "single value of primitive type"),
        ("'Name'", "Syntax error at position 0"),
        ("Zone", "not supported in LINQ to Entities"),
    ],
)
def test_parse_orderby_invalid_raises(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_orderby(text, PERSON)
    assert message in str(caught.value)


def test_parse_select_keeps_wire_order_and_star_is_everything() -> None:
    assert parse_select("Age, Id", PERSON) == ("Id", "Age")
    assert parse_select("*", PERSON) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Nope", "Could not find a property named 'Nope'"),
        ("Name,,Age", "is not a property name"),
        ("Team", "use $expand"),
    ],
)
def test_parse_select_invalid_raises(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_select(text, PERSON)
    assert message in str(caught.value)


def test_parse_expand_with_nested_select() -> None:
    assert parse_expand("Team($select=Title)", PERSON, ENTITIES) == (Expand("Team", ("Title",)),)
    assert parse_expand("Team", PERSON, ENTITIES) == (Expand("Team", None),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Nope", "Could not find a property named 'Nope'"),
        ("Name", "is not a navigation property"),
        ("Team($filter=Title eq 'x')", "only $select is"),
        ("Team($select=Nope)", "Could not find a property named 'Nope' on type 'LMS365.Team'"),
        ("Team($select=Title", "')' expected"),
    ],
)
def test_parse_expand_invalid_raises(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_expand(text, PERSON, ENTITIES)
    assert message in str(caught.value)
