"""The coverage table: each vendor's operations, emulated, partial (what differs) or not emulated.

``python -m sandbox.coverage`` prints it as Markdown; ``--write README.md`` replaces the table
between the README's ``<!-- coverage:start -->`` and ``<!-- coverage:end -->`` markers (a test
checks the README's copy is current).

Kombo's and iSpring's operations are read from their published OpenAPI documents
(``shared/vendor-specs/`` beside the checkout, or ``$LMSBRIDGE_VENDOR_SPECS``); when a document
is absent, the table says so. Docebo and LMS365 publish none outside their tenants, so their
operations are the hand-kept lists below, from the seeds and ``shared/vendors.md``. Whether an
operation is emulated is computed: a concrete path of it, with its method, is matched against
the vendor's own routes (never a catch-all). What differs is hand-kept in ``PARTIAL``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from starlette.routing import BaseRoute, Match, Route

from sandbox.clock import Clock
from sandbox.events import EventLog
from sandbox.store import Store
from sandbox.vendors.base import Vendor
from sandbox.vendors.docebo import DoceboBackend
from sandbox.vendors.ispring import ISpringBackend
from sandbox.vendors.kombo import KomboBackend
from sandbox.vendors.lms365 import LMS365Backend

SPECS: Final = Path(__file__).resolve().parents[1].parent / "shared" / "vendor-specs"
START: Final = "<!-- coverage:start -->"
END: Final = "<!-- coverage:end -->"
METHODS: Final = ("get", "post", "put", "patch", "delete")
#: a value for every path parameter: a UUID serves iSpring and LMS365 keys, and Docebo's
#: routes take any segment
SAMPLE: Final = "00000000-0000-4000-8000-000000000001"


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    #: the vendor's name for it (operationId, seed action), or ""
    name: str = ""
    #: the document's tag (for grouping what is not emulated)
    tag: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class Row:
    operation: str
    status: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    vendor: str
    title: str
    #: the operations, or None when the document is absent (``missing`` says where)
    operations: Sequence[Operation] | None
    missing: str = ""


# -- hand-kept operation lists (no published document) ----------------------------------------

DOCEBO: Final = (
    Operation("POST", "/oauth2/token", "APIs Authentication"),
    Operation("GET", "/manage/v1/user", "list users"),
    Operation("GET", "/manage/v1/user/{user_id}", "get user"),
    Operation("POST", "/manage/v1/user/batch", "batch user import"),
    Operation("GET", "/learn/v1/courses", "list courses"),
    Operation("GET", "/learn/v1/courses/{id_course}", "get course"),
    Operation("GET", "/course/v1/courses", "newer course service"),
    Operation("GET", "/learn/v1/enrollments", "Get enrollments (seed 001)"),
    Operation("GET", "/learn/v1/enrollments/{course_id}/{user_id}", "one enrollment"),
    Operation("POST", "/learn/v1/enrollments/{course_id}/{user_id}", "Enroll user into a course"),
    Operation("POST", "/learn/v1/enrollments", "Enroll user into a session"),
    Operation("DELETE", "/learn/v1/enrollment/{course_id}/{user_id}", "Unenroll from course"),
    Operation(
        "DELETE", "/course/v1/sessions/{session_id}/enrollments", "Unenroll user from session"
    ),
    Operation("DELETE", "/learn/v1/enrollments", "Unenroll user from learning plan"),
    Operation("GET", "/course/v1/courses/enrollments", "Get Course Enrollments"),
    Operation("GET", "/learningplan/v1/learningplans/enrollments", "Get Learning Plan Enrollments"),
    Operation(
        "GET",
        "/learningplan/v1/learningplans/{learning_plan_id}/courses/enrollments",
        "Get Learning Plan Course Enrollments",
    ),
    Operation("PUT", "/course/v1/events/{event_id}/rsvp", "Batch update RSVP event"),
)

LMS365: Final = (
    Operation("POST", "/odata/v2/Courses({Id})/Enroll", "Enrolls user or group into a Course"),
    Operation("POST", "/odata/v2/Enrollments", "Creates an Enrollment"),
    Operation("PATCH", "/odata/v2/Enrollments({Id})", "update an enrollment"),
    Operation("GET", "/odata/v2/Enrollments"),
    Operation("GET", "/odata/v2/Enrollments({Id})"),
    Operation("GET", "/odata/v2/Courses"),
    Operation("GET", "/odata/v2/Courses({Id})"),
    Operation("GET", "/odata/v2/Users"),
    Operation("GET", "/odata/v2/Users({Id})"),
    Operation("GET", "/odata/v2/CourseSessions"),
    Operation("GET", "/odata/v2/CourseSessions({Id})"),
    Operation("GET", "/odata/v2/ExternalApps"),
    Operation("GET", "/odata/v2/LearningModuleAttempts"),
    Operation("GET", "/odata/v2/ScormAttempts"),
    Operation("GET", "/odata/v2/$metadata"),
)

#: what differs, for operations that are served but not in full (vendor -> label -> note)
PARTIAL: Final[Mapping[str, Mapping[str, str]]] = {
    "docebo": {
        "POST /oauth2/token": "client credentials, password and refresh grants; no "
        "authorization-code or JWT grant; every token acts as the superadmin",
        "GET /learn/v1/enrollments": "channel, skills, content-partner, paid and "
        "additional-field filters match nothing: the tenant has none",
        "DELETE /course/v1/sessions/{session_id}/enrollments": "an internal API in Docebo; "
        "the path is inferred from the session roster's",
        "PUT /course/v1/events/{event_id}/rsvp": "an internal API in Docebo; the path is inferred",
    },
    "kombo": {
        "POST /lms/courses/bulk": "the task runs when polled 2 s (sandbox clock) after it "
        "was made, not in the background",
    },
    "ispring": {
        "POST /webhook/subscribe": "subscription params are kept and listed, not applied",
        "GET /webhook/subscriber/info": "notificationProcessStatus is never SUSPENDED",
        **dict.fromkeys(
            ("GET /content", "GET /contents", "POST /contents", "GET /content/{contentId}"),
            "X-Target-Locale is accepted and ignored: titles are not translated",
        ),
    },
    "lms365": {
        "POST /odata/v2/Courses({Id})/Enroll": "ignoreMaxAttendees and ignoreEnrollmentFlow "
        "are accepted and change nothing (no capacity or approval flows)",
    },
}

#: rows that are not one HTTP operation of the vendor's API: (vendor, operation, status, note)
EXTRA: Final[Sequence[tuple[str, str, str, str]]] = (
    (
        "docebo",
        "webhooks (set up in Docebo's console)",
        "partial",
        "subscribed at `/_sandbox/webhooks`; delivered with retries; the signature is a "
        "documented guess; batch payloads are one delivery per event",
    ),
    (
        "kombo",
        "`data-changed` webhook",
        "partial",
        "subscribed at `/_sandbox/webhooks`; one event per write (Kombo batches); the "
        "signature is a documented guess; other webhook types are not emulated",
    ),
    (
        "lms365",
        "OData query options",
        "partial",
        "`$filter` has no property paths, lambda operators or arithmetic; `$expand` takes "
        "only a nested `$select`",
    ),
    (
        "lms365",
        "webhooks (signed with a shared secret)",
        "partial",
        "subscribed at `/_sandbox/webhooks`; the body is the enrollment notification; "
        "header and payload are documented guesses (Zensai documents none)",
    ),
)

NAMES: Final = {
    "docebo": "Docebo",
    "kombo": "Kombo",
    "ispring": "iSpring Learn",
    "lms365": "LMS365",
}
BACKENDS: Final[Mapping[str, type[Vendor]]] = {
    "docebo": DoceboBackend,
    "kombo": KomboBackend,
    "ispring": ISpringBackend,
    "lms365": LMS365Backend,
}


# -- reading the documents ---------------------------------------------------------------------


def specs_dir() -> Path:
    return Path(os.environ.get("LMSBRIDGE_VENDOR_SPECS") or SPECS)


def _openapi_operations(document: Mapping[str, Any]) -> list[Operation]:
    found: list[Operation] = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                tags = op.get("tags") or [""]
                found.append(Operation(method.upper(), path, op.get("operationId", ""), tags[0]))
    return found


def kombo_source(directory: Path) -> Source:
    title = "`kombo-lms-openapi.json`, Kombo's published OpenAPI document (the `/lms` part)"
    path = directory / "kombo-lms-openapi.json"
    if not path.is_file():
        return Source("kombo", title, None, f"{path.name} is absent")
    return Source("kombo", title, _openapi_operations(json.loads(path.read_text("utf-8"))))


def ispring_source(directory: Path) -> Source:
    title = "`ispring-learn-openapi.yaml`, iSpring's published OpenAPI document"
    path = directory / "ispring-learn-openapi.yaml"
    if not path.is_file():
        return Source("ispring", title, None, f"{path.name} is absent")
    try:
        import yaml
    except ImportError:  # a development dependency
        return Source("ispring", title, None, "PyYAML is not installed to read it")
    return Source("ispring", title, _openapi_operations(yaml.safe_load(path.read_text("utf-8"))))


def sources(directory: Path | None = None) -> list[Source]:
    directory = directory or specs_dir()
    return [
        Source("docebo", "seed 001 and `vendors.md` §1 (no public document)", DOCEBO),
        kombo_source(directory),
        ispring_source(directory),
        Source("lms365", "seed 004 and `vendors.md` §4 (no public document)", LMS365),
    ]


# -- matching operations against the emulation ------------------------------------------------


def vendor_routes(vendor: str) -> list[BaseRoute]:
    """The vendor's routes, from a backend over an empty store (no seeding needed)."""
    store, clock = Store(None), Clock()
    backend = BACKENDS[vendor](store, clock, 0, EventLog(store, clock))
    return [r for r in backend.routes() if not (isinstance(r, Route) and "{path:path}" in r.path)]


def served(routes: Sequence[BaseRoute], operation: Operation) -> bool:
    path = re.sub(r"\{[^}]+\}", SAMPLE, operation.path)
    scope = {"type": "http", "method": operation.method, "path": path, "root_path": ""}
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def rows(source: Source) -> tuple[list[Row], dict[str, list[Operation]]]:
    """The emulated and partial rows, and what is not emulated grouped by tag."""
    assert source.operations is not None
    routes = vendor_routes(source.vendor)
    notes = PARTIAL.get(source.vendor, {})
    found: list[Row] = []
    missing: dict[str, list[Operation]] = {}
    for operation in source.operations:
        if not served(routes, operation):
            missing.setdefault(operation.tag, []).append(operation)
        elif operation.label in notes:
            found.append(Row(f"`{operation.label}`", "partial", notes[operation.label]))
        else:
            found.append(Row(f"`{operation.label}`", "emulated"))
    found += [Row(name, status, note) for v, name, status, note in EXTRA if v == source.vendor]
    return found, missing


def _missing_rows(source: Source, missing: Mapping[str, list[Operation]]) -> list[Row]:
    if source.vendor in ("docebo", "lms365"):
        return [Row(f"`{op.label}`", "not emulated") for ops in missing.values() for op in ops]
    table: list[Row] = []
    for tag in sorted(missing):
        ops = missing[tag]
        names = ", ".join(op.name or op.label for op in ops)
        table.append(Row(f"tag `{tag}` ({len(ops)})", "not emulated", names))
    return table


def render(all_sources: Sequence[Source] | None = None) -> str:
    """The whole table, as Markdown."""
    all_sources = sources() if all_sources is None else all_sources
    summary = [
        "| vendor | operations from | emulated | partial | not emulated |",
        "|---|---|---|---|---|",
    ]
    details: list[str] = []
    for source in all_sources:
        name = NAMES[source.vendor]
        if source.operations is None:
            summary.append(f"| {name} | {source.title}: {source.missing} | - | - | - |")
            details += ["", f"#### {name}", "", f"Not computed: {source.missing}."]
            continue
        found, missing = rows(source)
        table = found + _missing_rows(source, missing)
        counts = {
            status: sum(1 for r in found if r.status == status)
            for status in ("emulated", "partial")
        }
        absent = sum(len(ops) for ops in missing.values())
        summary.append(
            f"| {name} | {source.title} | {counts['emulated']} | {counts['partial']} | {absent} |"
        )
        details += [
            "",
            f"#### {name}",
            "",
            "| operation | status | what differs |",
            "|---|---|---|",
        ]
        details += [f"| {r.operation} | {r.status} | {r.note} |" for r in table]
    return "\n".join([*summary, *details]) + "\n"


def replace_in(text: str, table: str) -> str:
    """``text`` with the part between the markers replaced by ``table``."""
    start, end = text.index(START) + len(START), text.index(END)
    return f"{text[:start]}\n{table}{text[end:]}"


def between_markers(text: str) -> str:
    return text[text.index(START) + len(START) : text.index(END)].lstrip("\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.coverage", description=__doc__)
    parser.add_argument("--write", type=Path, help="replace the table in this file (README.md)")
    args = parser.parse_args(argv)
    table = render()
    if args.write is None:
        sys.stdout.write(table)
        return 0
    text = args.write.read_text("utf-8")
    args.write.write_text(replace_in(text, table), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
