"""Kombo's and iSpring's routes fuzzed from their published OpenAPI documents.

Every operation the sandbox serves gets positive and negative requests (schemathesis); every
operation the document has and the sandbox does not serve gets them too and must be refused in
the vendor's format. A missing document skips with the path it was looked for at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability.harness import STRESS, Probe
from tests.reliability.openapi_fuzz import (
    ISPRING,
    KOMBO,
    Spec,
    fuzz_operation,
    load,
    sandbox_routes,
)
from tests.reliability.openapi_fuzz import operations as all_operations


@pytest.fixture(scope="module")
def probe() -> Iterator[Probe]:
    probe = Probe.open()
    yield probe
    probe.close()


def _schema(spec: Spec) -> Any:
    schema = load(spec)
    if schema is None:
        pytest.skip(f"{spec.vendor}'s published OpenAPI document is not at {spec.path}")
    return schema


@pytest.mark.parametrize("spec", [KOMBO, ISPRING], ids=lambda s: s.vendor)
def test_served_operations_fuzzed_never_break_a_promise(probe: Probe, spec: Spec) -> None:
    schema = _schema(spec)
    served = sandbox_routes(probe, spec.prefix)
    fuzzed = [op for op, is_served in all_operations(schema, served) if is_served]
    assert fuzzed, f"no operation of the document is served under {spec.prefix}"
    # every route the sandbox serves is an operation of the document (or the token endpoint)
    covered = {(op.method.upper(), op.path) for op in fuzzed}
    assert served - covered <= {("HEAD", path) for _, path in served}
    for operation in fuzzed:
        assert fuzz_operation(probe, spec, operation) > 0


@pytest.mark.parametrize("spec", [KOMBO, ISPRING], ids=lambda s: s.vendor)
def test_unserved_operations_refused_in_vendor_format(probe: Probe, spec: Spec) -> None:
    schema = _schema(spec)
    served = sandbox_routes(probe, spec.prefix)
    for operation, is_served in all_operations(schema, served):
        if is_served:
            continue
        if STRESS:
            fuzz_operation(probe, spec, operation, examples=3)
            continue
        path = re.sub(r"\{[^}]+\}", "1", operation.path)
        answer = probe.send(
            operation.method.upper(),
            spec.prefix + path,
            json={},
            headers=probe.headers[spec.vendor],
        )
        if answer.status_code not in (404, 405):
            # a path of the document that one of the sandbox's routes also matches
            assert any(re.fullmatch(_pattern(p), operation.path) for _, p in served)


def _pattern(template: str) -> str:
    return re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
