"""Every route of every vendor, fuzzed with hypothesis strategies of bodies, query strings, OData
``$filter`` expressions and path ids (Docebo and LMS365 publish no OpenAPI document; Kombo and
iSpring get the same treatment beside their documents')."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.harness import BUDGET, Probe
from tests.reliability.route_fuzz import VOCABULARIES, Vocabulary, fuzz_vendor, vendor_routes


@pytest.fixture(scope="module")
def probe() -> Iterator[Probe]:
    probe = Probe.open()
    yield probe
    probe.close()


@pytest.mark.parametrize("words", VOCABULARIES, ids=lambda w: w.vendor)
def test_vendor_routes_fuzzed_never_break_a_promise(probe: Probe, words: Vocabulary) -> None:
    routes = vendor_routes(probe, words.prefix)
    assert routes, f"no route under {words.prefix}"
    sent = fuzz_vendor(probe, words, BUDGET.route_examples * len(routes))
    assert sent >= len(routes)
