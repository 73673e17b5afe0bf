"""The README's coverage table is the one ``python -m sandbox.coverage`` generates now."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.coverage import (
    Operation,
    between_markers,
    render,
    replace_in,
    served,
    sources,
    specs_dir,
    vendor_routes,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_coverage_table_is_current() -> None:
    if any(source.operations is None for source in sources()):
        pytest.skip(f"the vendors' published documents are not in {specs_dir()}")
    assert between_markers(README.read_text("utf-8")) == render(), (
        "README.md's coverage table is stale: run python -m sandbox.coverage --write README.md"
    )


def test_every_kombo_operation_is_served() -> None:
    (kombo,) = [s for s in sources() if s.vendor == "kombo"]
    if kombo.operations is None:
        pytest.skip(f"Kombo's document is not in {specs_dir()}")
    routes = vendor_routes("kombo")
    assert [op.label for op in kombo.operations if not served(routes, op)] == []


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (Operation("POST", "/learn/v1/enrollments/{course_id}/{user_id}"), True),
        (Operation("PATCH", "/learn/v1/enrollments/{course_id}/{user_id}"), False),
        (Operation("GET", "/course/v1/courses"), False),
    ],
)
def test_served_matches_method_and_path(operation: Operation, expected: bool) -> None:
    assert served(vendor_routes("docebo"), operation) is expected


def test_absent_document_is_said_not_computed(tmp_path: Path) -> None:
    table = render(sources(tmp_path))
    assert "kombo-lms-openapi.json is absent" in table
    assert "Not computed: ispring-learn-openapi.yaml is absent." in table
    docebo = table.splitlines()[2]
    assert docebo.startswith("| Docebo |") and "| - |" not in docebo  # still counted


def test_replace_in_keeps_the_text_around_the_markers() -> None:
    text = "a\n<!-- coverage:start -->\nold\n<!-- coverage:end -->\nb\n"
    assert (
        replace_in(text, "new\n") == "a\n<!-- coverage:start -->\nnew\n<!-- coverage:end -->\nb\n"
    )
