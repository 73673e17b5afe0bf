"""Property-based requests generated from the vendors' published OpenAPI documents.

Kombo and iSpring publish OpenAPI documents (``../shared/vendor-specs/`` beside the checkout);
schemathesis turns each operation into a hypothesis strategy of requests, valid ones (positive
mode) and ones that break the schema (negative mode). Each request is prepared exactly as a
``requests`` client would send it and replayed into the in-process sandbox through a
:class:`~tests.reliability.harness.Probe`, which checks every answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import requests
import schemathesis
import yaml
from hypothesis import given, reject
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from starlette.routing import Mount, Route

from tests.reliability.harness import BASE_URL, Probe, fuzz_settings

SPECS: Final = Path(__file__).resolve().parents[2].parent / "shared" / "vendor-specs"


@dataclass(frozen=True, slots=True)
class Spec:
    vendor: str
    prefix: str
    file: str

    @property
    def path(self) -> Path:
        return SPECS / self.file


KOMBO: Final = Spec("kombo", "/kombo/v1", "kombo-lms-openapi.json")
ISPRING: Final = Spec("ispring", "/ispring", "ispring-learn-openapi.yaml")


def load(spec: Spec) -> Any:
    """The document as schemathesis reads it; None when it is not beside the checkout."""
    if not spec.path.is_file():
        return None
    text = spec.path.read_text()
    raw = json.loads(text) if spec.file.endswith(".json") else yaml.safe_load(text)
    return schemathesis.openapi.from_dict(raw)


def sandbox_routes(probe: Probe, prefix: str) -> set[tuple[str, str]]:
    """``(METHOD, path template)`` of every route the sandbox serves under ``prefix``."""
    found: set[tuple[str, str]] = set()
    for mount in probe.app.routes:
        if not isinstance(mount, Mount) or mount.path != prefix:
            continue
        for route in mount.routes:
            if isinstance(route, Route) and "{path:path}" not in route.path:
                found |= {(method, route.path) for method in route.methods or ()}
    return found


def operations(schema: Any, served: set[tuple[str, str]]) -> Iterator[tuple[Any, bool]]:
    """Every operation of the document, and whether the sandbox serves it."""
    for result in schema.get_all_operations():
        operation = result.ok()
        yield operation, (operation.method.upper(), operation.path) in served


def _send(probe: Probe, prefix: str, case: Any) -> int:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL + prefix)
    kwargs.pop("cookies", None)
    try:
        prepared = requests.Request(**kwargs).prepare()
    except (ValueError, UnicodeError, TypeError, requests.RequestException):
        reject()  # not a request any HTTP client could put on the wire
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in ("connection", "host")}
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    assert prepared.method is not None and prepared.url is not None
    try:
        response = probe.send(prepared.method, prepared.url, headers=headers, content=body)
    except UnicodeEncodeError:
        reject()
    return response.status_code


def fuzz_operation(
    probe: Probe,
    spec: Spec,
    operation: Any,
    *,
    examples: int | None = None,
    authorized: bool = True,
) -> int:
    """Send ``examples`` positive and as many negative requests of one operation; how many
    were sent. With ``authorized``, most requests carry the tenant's valid credentials (so
    they reach past authentication); the rest carry whatever the document allows."""
    headers = probe.headers[spec.vendor] if authorized else {}
    sent = 0
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        valid = operation.as_strategy(generation_mode=mode, headers=dict(headers))
        anything = operation.as_strategy(generation_mode=mode)
        strategy = st.one_of(valid, valid, valid, anything) if authorized else anything

        @fuzz_settings(examples)
        @given(case=strategy)
        def run(case: Any) -> None:
            nonlocal sent
            _send(probe, spec.prefix, case)
            sent += 1

        run()
    return sent
