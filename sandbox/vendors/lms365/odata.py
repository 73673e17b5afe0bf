"""The OData v4 query language of the LMS365 emulation: ``$filter``, ``$orderby``, ``$select``
and ``$expand``, read the way Microsoft.OData.Core (behind ASP.NET Core OData) reads them.

``$filter`` goes through a tokenizer and a recursive-descent parser that builds a typed
predicate tree (:class:`Literal`, :class:`Property`, :class:`Call`, :class:`Compare`,
:class:`In`, :class:`Logical`, :class:`Not`), checked against the entity type as it is built;
:func:`evaluate` interprets the tree against one record. Nothing is ever handed to Python's
``eval``: text that is not the grammar below is a :class:`QueryError`.

Grammar, loosest binding first (as ODataLib's ``UriQueryExpressionParser``)::

    or_expr     := and_expr ("or" and_expr)*
    and_expr    := compare ("and" compare)*
    compare     := unary (comparison unary | "in" "(" literal ("," literal)* ")")*
    comparison  := "eq" | "ne" | "gt" | "ge" | "lt" | "le"
    unary       := "not" unary | primary
    primary     := "(" or_expr ")" | literal | function "(" [or_expr ("," or_expr)*] ")" | property

So ``not`` binds tighter than a comparison: ``not (Title eq 'a')`` or ``not contains(...)``;
``not Title eq 'a'`` is ``(not Title) eq 'a'``, a type error, as in ODataLib. Literals:
``'text'`` (``''`` is a quote), integers and decimals (``-5``, ``1.5``, ``2e3``), ``true``,
``false``, ``null``, GUIDs (unquoted, ``8-4-4-4-12`` hex), dates (``2024-01-15``, midnight UTC)
and date-times with ``Z`` or an offset (``2024-01-15T15:00:00Z``; a ``+`` offset must be sent
as ``%2B`` in a URL). Functions: ``contains``, ``startswith``, ``endswith`` (string, string ->
boolean), ``tolower``, ``toupper``, ``trim`` (string -> string), ``length`` (string -> int).

Evaluation follows C#'s lifted operators, as LINQ does: a comparison of ``null`` with a value is
false except ``ne``, ``null eq null`` is true, ``and``/``or`` are three-valued, and a record
matches only when the predicate is true. String comparisons and functions ignore case when
``case_insensitive`` (SQL Server's default collation, behind LMS365's Entity Framework).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

# -- the entity model ------------------------------------------------------------------------

GUID: Final = "Edm.Guid"
STRING: Final = "Edm.String"
INT: Final = "Edm.Int32"
DECIMAL: Final = "Edm.Decimal"
BOOLEAN: Final = "Edm.Boolean"
DATETIME: Final = "Edm.DateTimeOffset"
DATE: Final = "Edm.Date"
GUIDS: Final = "Collection(Edm.Guid)"
NULL: Final = "null"

_NUMERIC: Final = frozenset({INT, DECIMAL})
_TEMPORAL: Final = frozenset({DATETIME, DATE})
_ORDERED: Final = frozenset({GUID, STRING, INT, DECIMAL, DATETIME, DATE})

#: the deepest nesting of parentheses and ``not`` a ``$filter`` may have
MAX_DEPTH: Final = 50
#: the most nodes a ``$filter`` may have (ASP.NET Core OData's default ``MaxNodeCount``)
MAX_NODES: Final = 100


@dataclass(frozen=True, slots=True)
class Navigation:
    """A navigation property: the target entity set, and the key that links it."""

    target: str
    many: bool
    #: single-valued: this entity's foreign key; collection: the target's foreign key
    key: str


@dataclass(frozen=True, slots=True)
class EntityType:
    """An entity type: its properties in wire order with their EDM types, the ones LMS365's
    Entity Framework backend cannot translate (``$filter``/``$orderby``) or select, and its
    navigation properties."""

    name: str
    properties: Mapping[str, str]
    non_filterable: frozenset[str] = frozenset()
    non_selectable: frozenset[str] = frozenset()
    navigations: Mapping[str, Navigation] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"LMS365.{self.name}"


# -- errors ----------------------------------------------------------------------------------


class QueryError(ValueError):
    """A query option that cannot be read; the message is ODataLib's wording where it has one."""

    #: the .NET exception type the real service reports in ``innererror``
    exception_type: str = "Microsoft.OData.ODataException"


class NotSupportedInLinq(QueryError):
    """A property Entity Framework cannot translate (LMS365's non-filterable properties)."""

    exception_type = "System.NotSupportedException"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The specified type member '{name}' is not supported in LINQ to Entities. Only "
            "initializers, entity members, and entity navigation properties are supported."
        )


def _unknown_property(name: str, entity: EntityType) -> QueryError:
    return QueryError(f"Could not find a property named '{name}' on type '{entity.qualified}'.")


# -- the tokenizer ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ident, string, number, guid, datetime, date, "(", ")", ",", "/", ";", "=", end
    text: str
    position: int
    value: Any = None


_GUID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])"
)
_DATETIME_RE: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})(?![\w.:-])"
)
_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w.:-])")
_NUMBER_RE: Final = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])")
_IDENT_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PUNCTUATION: Final = frozenset("(),/;=")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token; raises on a character or literal
    that is not OData."""
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while pos < length:
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        if char in _PUNCTUATION:
            tokens.append(Token(char, char, pos))
            pos += 1
            continue
        if char == "'":
            value, end = _string(text, pos)
            tokens.append(Token("string", text[pos:end], pos, value))
            pos = end
            continue
        match = _GUID_RE.match(text, pos)
        if match:
            tokens.append(Token("guid", match.group(), pos, match.group().lower()))
            pos = match.end()
            continue
        if char.isdigit() or (char == "-" and pos + 1 < length and text[pos + 1].isdigit()):
            token = _temporal_or_number(text, pos)
            tokens.append(token)
            pos += len(token.text)
            continue
        match = _IDENT_RE.match(text, pos)
        if match:
            tokens.append(Token("ident", match.group(), pos))
            pos = match.end()
            continue
        raise QueryError(
            f"Syntax error: character '{char}' is not valid at position {pos} in '{text}'."
        )
    tokens.append(Token("end", "", length))
    return tokens


def _string(text: str, start: int) -> tuple[str, int]:
    """The value of the string literal opening at ``start`` and the position after it."""
    parts: list[str] = []
    pos = start + 1
    while True:
        close = text.find("'", pos)
        if close < 0:
            raise QueryError(f"Unterminated string literal at position {start} in '{text}'.")
        parts.append(text[pos:close])
        if close + 1 < len(text) and text[close + 1] == "'":
            parts.append("'")
            pos = close + 2
            continue
        return "".join(parts), close + 1


def _temporal_or_number(text: str, pos: int) -> Token:
    match = _DATETIME_RE.match(text, pos)
    if match:
        moment = parse_datetime(match.group())
        if moment is None:
            raise QueryError(
                f"The date-time '{match.group()}' at position {pos} is not valid in '{text}'."
            )
        return Token("datetime", match.group(), pos, moment)
    match = _DATE_RE.match(text, pos)
    if match:
        try:
            day = datetime.strptime(match.group(), "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise QueryError(
                f"The date '{match.group()}' at position {pos} is not valid in '{text}'."
            ) from None
        return Token("date", match.group(), pos, day)
    match = _NUMBER_RE.match(text, pos)
    if not match:
        raise QueryError(f"Syntax error: '{text[pos:]}' is not a valid number in '{text}'.")
    raw = match.group()
    value: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
    return Token("number", raw, pos, value)


def parse_datetime(value: str) -> datetime | None:
    """An ISO 8601 date-time with ``Z`` or an offset, in UTC; None when it is not one."""
    if not value or not (value.endswith(("Z", "z")) or re.search(r"[+-]\d{2}:\d{2}$", value)):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


# -- the predicate tree ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any
    type: str


@dataclass(frozen=True, slots=True)
class Property:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    type: str


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node
    type: str = BOOLEAN


@dataclass(frozen=True, slots=True)
class In:
    operand: Node
    values: tuple[Literal, ...]
    type: str = BOOLEAN


@dataclass(frozen=True, slots=True)
class Logical:
    op: str
    left: Node
    right: Node
    type: str = BOOLEAN


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    type: str = BOOLEAN


Node = Literal | Property | Call | Compare | In | Logical | Not

COMPARISONS: Final = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
#: OData operators this emulation does not implement (arithmetic, ``has``)
UNSUPPORTED_OPERATORS: Final = frozenset({"add", "sub", "mul", "div", "divby", "mod", "has"})
#: name -> (argument types, result type)
FUNCTIONS: Final[Mapping[str, tuple[tuple[str, ...], str]]] = {
    "contains": ((STRING, STRING), BOOLEAN),
    "startswith": ((STRING, STRING), BOOLEAN),
    "endswith": ((STRING, STRING), BOOLEAN),
    "tolower": ((STRING,), STRING),
    "toupper": ((STRING,), STRING),
    "trim": ((STRING,), STRING),
    "length": ((STRING,), INT),
}
_LITERAL_TYPES: Final = {
    "string": STRING,
    "guid": GUID,
    "datetime": DATETIME,
    "date": DATE,
}


def _group(edm: str) -> str:
    if edm in _NUMERIC:
        return "number"
    if edm in _TEMPORAL:
        return "time"
    return edm


def _compatible(left: str, right: str) -> bool:
    return NULL in (left, right) or _group(left) == _group(right)


class _Parser:
    def __init__(self, text: str, entity: EntityType) -> None:
        self.text = text
        self.entity = entity
        self.tokens = tokenize(text)
        self.at = 0
        self.depth = 0
        self.nodes = 0

    # -- helpers -------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def advance(self) -> Token:
        token = self.tokens[self.at]
        if token.kind != "end":
            self.at += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.token
        if token.kind == "ident" and token.text in words:
            self.at += 1
            return token.text
        return None

    def node(self, built: Node) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise QueryError(
                f"The node count limit of '{MAX_NODES}' has been exceeded. To increase the "
                "limit, set the 'MaxNodeCount' property on EnableQueryAttribute or "
                "ODataValidationSettings."
            )
        return built

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError("The recursion limit has been exceeded.")

    def syntax_error(self, token: Token, detail: str = "") -> QueryError:
        extra = f": {detail}" if detail else ""
        return QueryError(f"Syntax error at position {token.position} in '{self.text}'{extra}.")

    # -- the grammar -----------------------------------------------------------------------

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise QueryError(f"Expression expected at position 0 in '{self.text}'.")
        node = self.or_expr()
        token = self.token
        if token.kind != "end":
            raise self.syntax_error(token, f"unexpected '{token.text}' after the expression")
        if node.type not in (BOOLEAN, NULL):
            raise QueryError("The $filter expression must evaluate to a single boolean value.")
        return node

    def or_expr(self) -> Node:
        left = self.and_expr()
        while self.keyword("or"):
            left = self.logical("or", left, self.and_expr())
        return left

    def and_expr(self) -> Node:
        left = self.compare()
        while self.keyword("and"):
            left = self.logical("and", left, self.compare())
        return left

    def logical(self, op: str, left: Node, right: Node) -> Node:
        for operand in (left, right):
            if operand.type not in (BOOLEAN, NULL):
                raise QueryError(
                    "A binary operator with incompatible types was detected. Found operand "
                    f"types '{left.type}' and '{right.type}' for operator kind "
                    f"'{op.capitalize()}'."
                )
        return self.node(Logical(op, left, right))

    def compare(self) -> Node:
        left = self.unary()
        while True:
            token = self.token
            if token.kind != "ident" or token.text in ("and", "or"):
                return left
            if token.text in COMPARISONS:
                self.advance()
                right = self.unary()
                left = self.comparison(token.text, left, right)
            elif token.text == "in":
                self.advance()
                left = self.membership(left)
            elif token.text in UNSUPPORTED_OPERATORS:
                raise QueryError(
                    f"The operator '{token.text}' at position {token.position} is not "
                    f"supported in '{self.text}'."
                )
            else:
                raise QueryError(
                    f"Syntax error: unknown operator '{token.text}' at position "
                    f"{token.position} in '{self.text}'."
                )

    def comparison(self, op: str, left: Node, right: Node) -> Node:
        kind = COMPARISONS[op]
        ordered = op not in ("eq", "ne")
        types = {left.type, right.type} - {NULL}
        if (
            not _compatible(left.type, right.type)
            or GUIDS in types
            or (ordered and not types <= _ORDERED)
        ):
            raise QueryError(
                "A binary operator with incompatible types was detected. Found operand types "
                f"'{left.type}' and '{right.type}' for operator kind '{kind}'."
            )
        return self.node(Compare(op, left, right))

    def membership(self, operand: Node) -> Node:
        if self.advance().kind != "(":
            raise self.syntax_error(self.tokens[self.at - 1], "'(' expected after 'in'")
        values: list[Literal] = []
        while True:
            literal = self.primary()
            if not isinstance(literal, Literal):
                raise QueryError(
                    f"The operand of 'in' at position {self.token.position} must be a list of "
                    f"literals in '{self.text}'."
                )
            if not _compatible(operand.type, literal.type) or operand.type == GUIDS:
                raise QueryError(
                    "A binary operator with incompatible types was detected. Found operand "
                    f"types '{operand.type}' and '{literal.type}' for operator kind 'In'."
                )
            values.append(literal)
            token = self.advance()
            if token.kind == ")":
                return self.node(In(operand, tuple(values)))
            if token.kind != ",":
                raise QueryError(
                    f"')' or ',' expected at position {token.position} in '{self.text}'."
                )

    def unary(self) -> Node:
        if self.keyword("not"):
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if operand.type not in (BOOLEAN, NULL):
                raise QueryError(
                    "A unary operator with an incompatible type was detected. Found operand "
                    f"type '{operand.type}' for operator kind 'Not'."
                )
            return self.node(Not(operand))
        return self.primary()

    def primary(self) -> Node:
        token = self.advance()
        kind = token.kind
        if kind == "(":
            self.enter()
            inner = self.or_expr()
            self.depth -= 1
            close = self.advance()
            if close.kind != ")":
                raise QueryError(
                    f"')' or operator expected at position {close.position} in '{self.text}'."
                )
            return inner
        if kind in _LITERAL_TYPES:
            return self.node(Literal(token.value, _LITERAL_TYPES[kind]))
        if kind == "number":
            return self.node(Literal(token.value, INT if isinstance(token.value, int) else DECIMAL))
        if kind == "ident":
            return self.identifier(token)
        if kind == "end":
            raise QueryError(f"Expression expected at position {token.position} in '{self.text}'.")
        raise self.syntax_error(token, f"unexpected '{token.text}'")

    def identifier(self, token: Token) -> Node:
        name = token.text
        if name == "true" or name == "false":
            return self.node(Literal(name == "true", BOOLEAN))
        if name == "null":
            return self.node(Literal(None, NULL))
        if self.token.kind == "(":
            return self.call(token)
        if self.token.kind == "/":
            raise QueryError(
                f"Property paths ('{name}/...') are not supported in this $filter: filter on "
                f"the properties of '{self.entity.qualified}' itself."
            )
        return self.node(bind_property(name, self.entity, filtering=True))

    def call(self, token: Token) -> Node:
        name = token.text
        signature = FUNCTIONS.get(name)
        if signature is None:
            raise QueryError(
                f"An unknown function with name '{name}' was found. This may also be a function "
                "import or a key lookup on a navigation property, which is not allowed."
            )
        self.advance()  # "("
        self.enter()
        args: list[Node] = []
        if self.token.kind == ")":
            self.advance()
        else:
            while True:
                args.append(self.or_expr())
                separator = self.advance()
                if separator.kind == ")":
                    break
                if separator.kind != ",":
                    raise QueryError(
                        f"')' or ',' expected at position {separator.position} in '{self.text}'."
                    )
        self.depth -= 1
        expected, result = signature
        if len(args) != len(expected) or any(
            arg.type not in (want, NULL) for arg, want in zip(args, expected, strict=False)
        ):
            wanted = ", ".join(f"{t} Nullable=true" for t in expected)
            raise QueryError(
                f"No function signature for the function with name '{name}' matches the "
                f"specified arguments. The function signatures considered are: "
                f"{name}({wanted})."
            )
        return self.node(Call(name, tuple(args), result))


def bind_property(name: str, entity: EntityType, *, filtering: bool) -> Property:
    edm = entity.properties.get(name)
    if edm is None:
        if name in entity.navigations:
            raise QueryError(
                f"The navigation property '{name}' of '{entity.qualified}' cannot be used "
                "here: use $expand."
            )
        raise _unknown_property(name, entity)
    if filtering and name in entity.non_filterable:
        raise NotSupportedInLinq(name)
    return Property(name, edm)


def parse_filter(text: str, entity: EntityType) -> Node:
    """The typed predicate tree of a ``$filter`` on ``entity``."""
    return _Parser(text, entity).parse()


# -- the interpreter -------------------------------------------------------------------------


def evaluate(node: Node, record: Mapping[str, Any], *, case_insensitive: bool = True) -> Any:
    """The value of ``node`` for ``record`` (a document keyed by property name)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Property):
        value = record.get(node.name)
        if node.type == DATETIME and isinstance(value, str):
            return parse_datetime(value)
        return value
    if isinstance(node, Logical):
        left = evaluate(node.left, record, case_insensitive=case_insensitive)
        if node.op == "and":
            if left is False:
                return False
            right = evaluate(node.right, record, case_insensitive=case_insensitive)
            if right is False:
                return False
            return None if left is None or right is None else True
        if left is True:
            return True
        right = evaluate(node.right, record, case_insensitive=case_insensitive)
        if right is True:
            return True
        return None if left is None or right is None else False
    if isinstance(node, Not):
        value = evaluate(node.operand, record, case_insensitive=case_insensitive)
        return None if value is None else not value
    if isinstance(node, Compare):
        left = evaluate(node.left, record, case_insensitive=case_insensitive)
        right = evaluate(node.right, record, case_insensitive=case_insensitive)
        return _compare(node.op, left, right, case_insensitive)
    if isinstance(node, In):
        value = evaluate(node.operand, record, case_insensitive=case_insensitive)
        return any(_compare("eq", value, v.value, case_insensitive) for v in node.values)
    args = [evaluate(arg, record, case_insensitive=case_insensitive) for arg in node.args]
    return _call(node.name, args, case_insensitive)


def matches(node: Node, record: Mapping[str, Any], *, case_insensitive: bool = True) -> bool:
    """Whether ``record`` passes the filter (its predicate is true, not false or null)."""
    return evaluate(node, record, case_insensitive=case_insensitive) is True


def _fold(value: Any, case_insensitive: bool) -> Any:
    return value.casefold() if case_insensitive and isinstance(value, str) else value


_ORDER_TESTS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def _compare(op: str, left: Any, right: Any, case_insensitive: bool) -> bool:
    if left is None or right is None:
        if op == "eq":
            return left is None and right is None
        if op == "ne":
            return not (left is None and right is None)
        return False
    left, right = _fold(left, case_insensitive), _fold(right, case_insensitive)
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    return _ORDER_TESTS[op](left, right)


def _call(name: str, args: Sequence[Any], case_insensitive: bool) -> Any:
    if any(arg is None for arg in args):
        return None
    if name == "tolower":
        return args[0].lower()
    if name == "toupper":
        return args[0].upper()
    if name == "trim":
        return args[0].strip()
    if name == "length":
        return len(args[0])
    text, part = (_fold(arg, case_insensitive) for arg in args)
    if name == "contains":
        return part in text
    if name == "startswith":
        return text.startswith(part)
    return text.endswith(part)


def equalities(node: Node) -> dict[str, Any]:
    """``Property eq literal`` terms the whole filter requires (its top-level ``and`` chain):
    callers narrow candidates with an index before evaluating the full predicate."""
    if isinstance(node, Logical) and node.op == "and":
        return {**equalities(node.left), **equalities(node.right)}
    if isinstance(node, Compare) and node.op == "eq":
        left, right = node.left, node.right
        if isinstance(right, Property) and isinstance(left, Literal):
            left, right = right, left
        if isinstance(left, Property) and isinstance(right, Literal) and right.value is not None:
            return {left.name: right.value}
    return {}


# -- $orderby, $select, $expand -------------------------------------------------------------


def parse_orderby(text: str, entity: EntityType) -> tuple[tuple[str, bool], ...]:
    """``(property, descending)`` pairs of an ``$orderby``."""
    tokens = tokenize(text)
    keys: list[tuple[str, bool]] = []
    at = 0
    while True:
        token = tokens[at]
        if token.kind != "ident":
            if token.kind == "end":
                raise QueryError(f"Expression expected at position {token.position} in '{text}'.")
            raise QueryError(f"Syntax error at position {token.position} in '{text}'.")
        if tokens[at + 1].kind == "/":
            raise QueryError(f"Property paths ('{token.text}/...') are not supported in $orderby.")
        prop = bind_property(token.text, entity, filtering=True)
        if prop.type == GUIDS:
            raise QueryError(
                "The $orderby expression must evaluate to a single value of primitive type."
            )
        if any(name == prop.name for name, _ in keys):
            raise QueryError(
                f"Duplicate property named '{prop.name}' is not supported in '$orderby'."
            )
        at += 1
        descending = False
        direction = tokens[at]
        if direction.kind == "ident" and direction.text in ("asc", "desc"):
            descending = direction.text == "desc"
            at += 1
        keys.append((prop.name, descending))
        separator = tokens[at]
        if separator.kind == "end":
            return tuple(keys)
        if separator.kind != ",":
            raise QueryError(
                f"Syntax error: ',' or the end of the $orderby expected at position "
                f"{separator.position} in '{text}'."
            )
        at += 1


def parse_select(text: str, entity: EntityType) -> tuple[str, ...] | None:
    """The selected properties, in wire order; None for ``*`` (every property)."""
    wanted: set[str] = set()
    everything = False
    for raw in text.split(","):
        item = raw.strip()
        if item == "*":
            everything = True
            continue
        if not _IDENT_RE.fullmatch(item):
            raise QueryError(f"Syntax error: '{item}' is not a property name in $select '{text}'.")
        if item in entity.navigations:
            raise QueryError(
                f"The navigation property '{item}' cannot be selected on "
                f"'{entity.qualified}': use $expand."
            )
        if item not in entity.properties:
            raise _unknown_property(item, entity)
        if item in entity.non_selectable:
            raise NotSupportedInLinq(item)
        wanted.add(item)
    if everything:
        return None
    return tuple(name for name in entity.properties if name in wanted)


@dataclass(frozen=True, slots=True)
class Expand:
    name: str
    select: tuple[str, ...] | None


def _split_top_level(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for pos, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise QueryError(f"Unbalanced ')' at position {pos} in '{text}'.")
        elif char == separator and depth == 0:
            parts.append(text[start:pos])
            start = pos + 1
    if depth:
        raise QueryError(f"')' expected at the end of '{text}'.")
    parts.append(text[start:])
    return parts


def parse_expand(
    text: str, entity: EntityType, entities: Mapping[str, EntityType]
) -> tuple[Expand, ...]:
    """The navigation properties of an ``$expand``, each with an optional nested ``$select``
    (the only nested option emulated)."""
    found: dict[str, Expand] = {}
    for raw in _split_top_level(text, ","):
        item = raw.strip()
        name, paren, rest = item.partition("(")
        name = name.strip()
        if not _IDENT_RE.fullmatch(name):
            raise QueryError(f"Syntax error: '{item}' is not a navigation property in $expand.")
        nav = entity.navigations.get(name)
        if nav is None:
            if name in entity.properties:
                raise QueryError(
                    f"Property '{name}' on type '{entity.qualified}' is not a navigation "
                    "property or complex property. Only navigation properties can be expanded."
                )
            raise _unknown_property(name, entity)
        select: tuple[str, ...] | None = None
        if paren:
            if not rest.endswith(")"):
                raise QueryError(f"')' expected at the end of '{item}' in $expand.")
            for option in _split_top_level(rest[:-1], ";"):
                key, equals, value = option.strip().partition("=")
                if not option.strip():
                    continue
                if key.strip() != "$select" or not equals:
                    raise QueryError(
                        f"The query option '{key.strip()}' is not supported inside $expand by "
                        "this emulation: only $select is."
                    )
                select = parse_select(value, entities[nav.target])
        found[name] = Expand(name, select)
    return tuple(found.values())
