"""Every iSpring answer the sandbox gives, checked against iSpring's published OpenAPI document.

The document is read from ``../shared/vendor-specs/ispring-learn-openapi.yaml`` beside the
checkout (never copied into the repository); without it these tests skip. How the document is
used:

* It is OpenAPI 3.0, whose Schema Object is JSON Schema draft 4 plus extensions. The whole
  document is converted once (``nullable: true`` becomes a ``"null"`` type, or an ``anyOf`` with
  ``{"type": "null"}`` when the schema has no ``type``; the document has none today, the
  conversion keeps the test honest if one appears) and registered as one ``referencing``
  resource, so every ``$ref: '#/components/...'`` resolves inside it. A body is validated with
  ``Draft4Validator`` against ``{"$ref": "<document>#<JSON pointer of the response schema>"}``
  and a ``FormatChecker``: ``uuid`` and ``date`` are checked; the document's own ``datetime``,
  ``dateTime`` and ``url`` are not JSON Schema formats and are left as annotations.
* A response given as ``$ref: '#/components/responses/...'`` is followed. An error status the
  operation does not declare (404 of ``GET /user/{userId}``, every error of ``GET /enrollment``,
  409 of reenroll) is checked against the document's shared response for it: ``BadRequest``,
  ``Unauthorized``, ``PermissionDenied``, ``NotFound``, ``ConflictResponse``.
* XML answers are parsed (with defusedxml) and their element names compared with the ``xml``
  annotations of the same schemas: the root is ``<response>``, a wrapped list holds elements
  named after its items' ``xml.name``, an unwrapped one repeats them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeElementTree
import httpx
import pytest
import yaml
from jsonschema import Draft4Validator, FormatChecker  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT4
from starlette.applications import Starlette

from sandbox.app import sandbox_credentials
from tests.conftest import IN_PROCESS_URL, in_process_client

SPEC_PATH = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "vendor-specs"
    / "ispring-learn-openapi.yaml"
)
URI = "urn:lmsbridge:ispring-learn-openapi"
BASE = "/ispring"
SHARED_ERRORS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "PermissionDenied",
    404: "NotFound",
    409: "ConflictResponse",
}
UNKNOWN = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def openapi_to_json_schema(node: Any) -> Any:
    """The document with OpenAPI 3.0's ``nullable`` turned into JSON Schema's ``null`` type."""
    if isinstance(node, list):
        return [openapi_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: openapi_to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False) is True:
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        elif kind is None:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = openapi_to_json_schema(document)
        self.registry: Registry[Any] = Registry().with_resource(
            URI, DRAFT4.create_resource(self.document)
        )
        self.formats = FormatChecker()

    def lookup(self, pointer: str) -> Any:
        node: Any = self.document
        for segment in pointer.lstrip("#").split("/")[1:]:
            node = node[segment.replace("~1", "/").replace("~0", "~")]
        return node

    def resolve(self, schema: Any) -> Any:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.lookup(schema["$ref"])
        return schema

    def response_pointer(self, method: str, path: str, status: int) -> str:
        """The pointer of the response object of ``status``, following a shared response."""
        pointer = f"#/paths/{escape(path)}/{method.lower()}/responses"
        responses = self.lookup(pointer)
        if str(status) not in responses:
            assert status in SHARED_ERRORS, f"{method} {path} declares no {status}"
            return f"#/components/responses/{SHARED_ERRORS[status]}"
        response = responses[str(status)]
        if "$ref" in response:
            return str(response["$ref"])
        return f"{pointer}/{status}"

    def schema_pointer(self, method: str, path: str, status: int, media: str) -> str | None:
        pointer = self.response_pointer(method, path, status)
        content = self.lookup(pointer).get("content")
        if content is None:
            return None
        assert media in content, f"{method} {path} {status} has no {media} answer"
        return f"{pointer}/content/{escape(media)}/schema"

    def validate(self, method: str, path: str, status: int, body: Any) -> None:
        pointer = self.schema_pointer(method, path, status, "application/json")
        assert pointer is not None, f"{method} {path} {status} has no body in the document"
        validator = Draft4Validator(
            {"$ref": URI + pointer}, registry=self.registry, format_checker=self.formats
        )
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])

    # -- XML -------------------------------------------------------------------------------------

    def xml_name(self, schema: Any, default: str) -> str:
        """The element name of a value: its own ``xml.name``, else its schema's, else
        ``default``."""
        if isinstance(schema, dict) and schema.get("xml", {}).get("name"):
            return str(schema["xml"]["name"])
        resolved = self.resolve(schema)
        name = resolved.get("xml", {}).get("name") if isinstance(resolved, dict) else None
        return str(name) if name else default

    def children(self, schema: Any) -> dict[str, tuple[str | None, Any]]:
        """Element name -> (item element name of a wrapped list, or None; the child's schema)."""
        resolved = self.resolve(schema)
        if resolved.get("type") == "array":
            return {self.xml_name(resolved["items"], "item"): (None, resolved["items"])}
        shapes: dict[str, tuple[str | None, Any]] = {}
        for name, sub in resolved.get("properties", {}).items():
            value = self.resolve(sub)
            if value.get("type") == "array":
                item = self.xml_name(value["items"], name)
                wrapped = sub.get("xml", {}).get("wrapped") or value.get("xml", {}).get("wrapped")
                if wrapped:
                    shapes[name] = (item, value["items"])
                else:
                    shapes[item] = (None, value["items"])
            else:
                shapes[self.xml_name(sub, name)] = (None, sub)
        for name in resolved.get("required", []):  # required, though not among the properties
            shapes.setdefault(name, (None, {}))
        return shapes

    def check_xml(self, element: Any, schema: Any, depth: int = 2) -> None:
        shapes = self.children(schema)
        if not shapes or depth == 0:
            return
        for child in element:
            assert child.tag in shapes, f"<{child.tag}> not in {sorted(shapes)} of <{element.tag}>"
            item, sub = shapes[child.tag]
            if item is not None:
                assert {grandchild.tag for grandchild in child} <= {item}, child.tag
                for grandchild in list(child)[:3]:
                    self.check_xml(grandchild, sub, depth - 1)
            elif self.resolve(sub).get("type") == "object" or "properties" in self.resolve(sub):
                self.check_xml(child, sub, depth - 1)


@pytest.fixture(scope="module")
def spec() -> Spec:
    if not SPEC_PATH.is_file():
        pytest.skip(
            "iSpring's published OpenAPI document is not beside the checkout "
            f"(expected at {SPEC_PATH})"
        )
    return Spec(yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8")))


# -- a seeded account and the ids the calls need -----------------------------------------------


@dataclass
class Ctx:
    anon: httpx.AsyncClient
    api: httpx.AsyncClient
    dept: httpx.AsyncClient
    creds: dict[str, str]
    user: str
    outside_user: str
    department: str
    outside_department: str
    course: str
    enrollment: str
    outside_enrollment: str
    started_enrollment: str
    fresh_enrollment: str
    free_learner: str
    login: str


async def token(client: httpx.AsyncClient, client_id: str, secret: str) -> str:
    answer = await client.post(
        f"{BASE}/api/v3/token",
        data={"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"},
        headers={"Accept": "application/json"},
    )
    value: str = answer.json()["access_token"]
    return value


@pytest.fixture
async def ctx(sandbox_app: Starlette) -> AsyncIterator[Ctx]:
    creds = sandbox_credentials(sandbox_app, IN_PROCESS_URL)["ispring"]
    async with (
        in_process_client(sandbox_app) as anon,
        in_process_client(sandbox_app) as api,
        in_process_client(sandbox_app) as dept,
    ):
        json = {"Accept": "application/json"}
        anon.headers.update(json)
        admin_token = await token(anon, creds["client_id"], creds["client_secret"])
        dept_token = await token(
            anon, creds["department_client_id"], creds["department_client_secret"]
        )
        api.headers.update({**json, "Authorization": f"Bearer {admin_token}"})
        dept.headers.update({**json, "Authorization": dept_token})
        users = (await api.get(f"{BASE}/user")).json()
        mine = {u["userId"] for u in (await dept.get(f"{BASE}/user")).json()}
        inside = next(u for u in users if u["userId"] in mine and u["status"] == 1)
        outside = next(u for u in users if u["userId"] not in mine and u["status"] == 1)
        scope = {
            d["departmentId"] for d in (await dept.get(f"{BASE}/department")).json()["departments"]
        }
        departments = (await api.get(f"{BASE}/department")).json()["departments"]
        enrollments = (await api.get(f"{BASE}/enrollment")).json()["enrollments"]
        results = (await api.get(f"{BASE}/learners/results")).json()["results"]
        started = next(r for r in results if r["completionStatus"] == "in_progress")
        fresh = next(
            r for r in results if r["completionStatus"] == "not_started" and not r["progress"]
        )
        taken = {e["learnerId"] for e in enrollments if e["courseId"] == started["courseId"]}
        free = next(u["userId"] for u in users if u["userId"] not in taken and u["userId"] in mine)
        yield Ctx(
            anon=anon,
            api=api,
            dept=dept,
            creds=creds,
            user=inside["userId"],
            outside_user=outside["userId"],
            department=next(iter(sorted(scope))),
            outside_department=next(
                d["departmentId"] for d in departments if d["departmentId"] not in scope
            ),
            course=started["courseId"],
            enrollment=enrollments[0]["enrollmentId"],
            outside_enrollment=next(
                e["enrollmentId"] for e in enrollments if e["learnerId"] not in mine
            ),
            started_enrollment=started["enrollmentId"],
            fresh_enrollment=fresh["enrollmentId"],
            free_learner=free,
            login=inside["fields"]["login"],
        )


Call = Callable[[Ctx], Awaitable[httpx.Response]]
SCHEDULE = {"accessDate": "2027-01-04 09:00:00", "dueDateType": "due_period", "duePeriod": 72}


@dataclass(frozen=True)
class Case:
    operation: str
    method: str
    path: str
    status: int
    call: Call


def ok(operation: str, method: str, path: str, status: int, call: Call) -> Any:
    return pytest.param(Case(operation, method, path, status, call), id=operation)


SUCCESSES = [
    ok("AccessRequest", "POST", "/api/v3/token", 200, lambda c: c.anon.post(
        f"{BASE}/api/v3/token",
        data={"client_id": c.creds["client_id"], "client_secret": c.creds["client_secret"],
              "grant_type": "client_credentials"})),
    ok("GetUsers", "GET", "/user", 200, lambda c: c.api.get(f"{BASE}/user")),
    ok("GetUsersV2", "GET", "/user/v2", 200, lambda c: c.api.get(f"{BASE}/user/v2")),
    ok("ListUsers", "GET", "/users", 200, lambda c: c.api.get(
        f"{BASE}/users", params={"pageSize": 7})),
    ok("ListUsersV2", "GET", "/users/v2", 200, lambda c: c.api.get(f"{BASE}/users/v2")),
    ok("ListUsersV2ByPost", "POST", "/users/v2", 200, lambda c: c.api.post(
        f"{BASE}/users/v2", json={"logins": [c.login]})),
    ok("GetUserProfile", "GET", "/user/{userId}", 200, lambda c: c.api.get(
        f"{BASE}/user/{c.user}")),
    ok("GetUserProfileV2", "GET", "/user/{userId}/v2", 200, lambda c: c.dept.get(
        f"{BASE}/user/{c.user}/v2")),
    ok("GetDepartments", "GET", "/department", 200, lambda c: c.api.get(f"{BASE}/department")),
    ok("ListDepartments", "GET", "/departments", 200, lambda c: c.api.get(
        f"{BASE}/departments", params={"pageSize": 4})),
    ok("GetDepartment", "GET", "/department/{departmentId}", 200, lambda c: c.dept.get(
        f"{BASE}/department/{c.department}")),
    ok("GetContent", "GET", "/content", 200, lambda c: c.api.get(f"{BASE}/content")),
    ok("ListContent", "GET", "/contents", 200, lambda c: c.api.get(
        f"{BASE}/contents", params={"pageSize": 10})),
    ok("ListContentByPost", "POST", "/contents", 200, lambda c: c.api.post(
        f"{BASE}/contents", json={"contentTypes": ["LearningTrack"]})),
    ok("GetContentItem", "GET", "/content/{contentId}", 200, lambda c: c.api.get(
        f"{BASE}/content/{c.course}")),
    ok("GetEnrollments", "GET", "/enrollment", 200, lambda c: c.api.get(f"{BASE}/enrollment")),
    ok("EnrollLearnersInCourses", "POST", "/enrollment", 201, lambda c: c.dept.post(
        f"{BASE}/enrollment",
        json={"courseIds": [c.course], "learnerIds": [c.free_learner], **SCHEDULE})),
    ok("ListEnrollments", "GET", "/enrollments", 200, lambda c: c.api.get(
        f"{BASE}/enrollments", params={"pageSize": 50})),
    ok("ListEnrollmentsByPost", "POST", "/enrollments", 200, lambda c: c.dept.post(
        f"{BASE}/enrollments", json={"pageSize": 20})),
    ok("GetEnrollment", "GET", "/enrollment/{enrollmentId}", 200, lambda c: c.api.get(
        f"{BASE}/enrollment/{c.enrollment}")),
    ok("ChangeEnrollment", "POST", "/enrollment/{enrollmentId}", 200, lambda c: c.api.post(
        f"{BASE}/enrollment/{c.enrollment}", json={**SCHEDULE, "lockAfterDueDate": True})),
    ok("Reenroll", "POST", "/enrollment/{enrollmentId}/reenroll", 200, lambda c: c.api.post(
        f"{BASE}/enrollment/{c.started_enrollment}/reenroll", json=SCHEDULE)),
    ok("Unenroll", "POST", "/enrollment/delete", 204, lambda c: c.api.post(
        f"{BASE}/enrollment/delete", json={"enrollmentIds": [c.enrollment]})),
    ok("ListLearnerResults", "GET", "/learners/results", 200, lambda c: c.api.get(
        f"{BASE}/learners/results", params={"pageSize": 300})),
]  # fmt: skip

ERRORS = [
    ok("AccessRequest-400", "POST", "/api/v3/token", 400, lambda c: c.anon.post(
        f"{BASE}/api/v3/token", data={"grant_type": "client_credentials"})),
    ok("AccessRequest-401", "POST", "/api/v3/token", 401, lambda c: c.anon.post(
        f"{BASE}/api/v3/token",
        data={"client_id": c.creds["client_id"], "client_secret": "wrong",
              "grant_type": "client_credentials"})),
    ok("GetUsers-400", "GET", "/user", 400, lambda c: c.api.get(
        f"{BASE}/user", params={"departments[]": "sales"})),
    ok("GetUsersV2-400", "GET", "/user/v2", 400, lambda c: c.api.get(
        f"{BASE}/user/v2", params={"departments[]": "sales"})),
    ok("ListUsers-400", "GET", "/users", 400, lambda c: c.api.get(
        f"{BASE}/users", params={"pageSize": 0})),
    ok("ListUsersV2-400", "GET", "/users/v2", 400, lambda c: c.api.get(
        f"{BASE}/users/v2", params={"pageToken": "forged"})),
    ok("ListUsersV2ByPost-400", "POST", "/users/v2", 400, lambda c: c.api.post(
        f"{BASE}/users/v2", content=b"<request><logins>", headers={"Content-Type": "text/xml"})),
    ok("GetUserProfile-403", "GET", "/user/{userId}", 403, lambda c: c.dept.get(
        f"{BASE}/user/{c.outside_user}")),
    ok("GetUserProfile-404", "GET", "/user/{userId}", 404, lambda c: c.api.get(
        f"{BASE}/user/{UNKNOWN}")),
    ok("GetUserProfileV2-400", "GET", "/user/{userId}/v2", 400, lambda c: c.api.get(
        f"{BASE}/user/42/v2")),
    ok("GetUserProfileV2-403", "GET", "/user/{userId}/v2", 403, lambda c: c.dept.get(
        f"{BASE}/user/{c.outside_user}/v2")),
    ok("GetUserProfileV2-404", "GET", "/user/{userId}/v2", 404, lambda c: c.api.get(
        f"{BASE}/user/{UNKNOWN}/v2")),
    ok("GetDepartment-400", "GET", "/department/{departmentId}", 400, lambda c: c.api.get(
        f"{BASE}/department/42")),
    ok("GetDepartment-403", "GET", "/department/{departmentId}", 403, lambda c: c.dept.get(
        f"{BASE}/department/{c.outside_department}")),
    ok("GetDepartment-404", "GET", "/department/{departmentId}", 404, lambda c: c.api.get(
        f"{BASE}/department/{UNKNOWN}")),
    ok("ListDepartments-400", "GET", "/departments", 400, lambda c: c.api.get(
        f"{BASE}/departments", params={"pageSize": "all"})),
    ok("GetContent-400", "GET", "/content", 400, lambda c: c.api.get(
        f"{BASE}/content", params={"contentTypes": "Movie"})),
    ok("ListContent-400", "GET", "/contents", 400, lambda c: c.api.get(
        f"{BASE}/contents", params={"contentItemIds[]": "x"})),
    ok("ListContentByPost-400", "POST", "/contents", 400, lambda c: c.api.post(
        f"{BASE}/contents", json=[])),
    ok("GetContentItem-400", "GET", "/content/{contentId}", 400, lambda c: c.api.get(
        f"{BASE}/content/42")),
    ok("GetContentItem-404", "GET", "/content/{contentId}", 404, lambda c: c.api.get(
        f"{BASE}/content/{UNKNOWN}")),
    ok("GetEnrollments-400", "GET", "/enrollment", 400, lambda c: c.api.get(
        f"{BASE}/enrollment", params={"courseIds[]": "x"})),
    ok("EnrollLearnersInCourses-400", "POST", "/enrollment", 400, lambda c: c.api.post(
        f"{BASE}/enrollment", json={"courseIds": [c.course]})),
    ok("EnrollLearnersInCourses-403", "POST", "/enrollment", 403, lambda c: c.dept.post(
        f"{BASE}/enrollment",
        json={"courseIds": [c.course], "learnerIds": [c.outside_user], **SCHEDULE})),
    ok("EnrollLearnersInCourses-404", "POST", "/enrollment", 404, lambda c: c.api.post(
        f"{BASE}/enrollment", json={"courseIds": [UNKNOWN], "learnerIds": [c.user], **SCHEDULE})),
    ok("ListEnrollments-400", "GET", "/enrollments", 400, lambda c: c.api.get(
        f"{BASE}/enrollments", params={"pageToken": "forged"})),
    ok("ListEnrollmentsByPost-400", "POST", "/enrollments", 400, lambda c: c.api.post(
        f"{BASE}/enrollments", json={"pageSize": "ten"})),
    ok("GetEnrollment-400", "GET", "/enrollment/{enrollmentId}", 400, lambda c: c.api.get(
        f"{BASE}/enrollment/42")),
    ok("GetEnrollment-403", "GET", "/enrollment/{enrollmentId}", 403, lambda c: c.dept.get(
        f"{BASE}/enrollment/{c.outside_enrollment}")),
    ok("GetEnrollment-404", "GET", "/enrollment/{enrollmentId}", 404, lambda c: c.api.get(
        f"{BASE}/enrollment/{UNKNOWN}")),
    ok("ChangeEnrollment-400", "POST", "/enrollment/{enrollmentId}", 400, lambda c: c.api.post(
        f"{BASE}/enrollment/{c.enrollment}", json={"dueDateType": "unlimited"})),
    ok("ChangeEnrollment-403", "POST", "/enrollment/{enrollmentId}", 403, lambda c: c.dept.post(
        f"{BASE}/enrollment/{c.outside_enrollment}", json=SCHEDULE)),
    ok("ChangeEnrollment-404", "POST", "/enrollment/{enrollmentId}", 404, lambda c: c.api.post(
        f"{BASE}/enrollment/{UNKNOWN}", json=SCHEDULE)),
    ok("Reenroll-400", "POST", "/enrollment/{enrollmentId}/reenroll", 400, lambda c: c.api.post(
        f"{BASE}/enrollment/{c.started_enrollment}/reenroll", json={"accessDate": "2027-01-01"})),
    ok("Reenroll-403", "POST", "/enrollment/{enrollmentId}/reenroll", 403, lambda c: c.dept.post(
        f"{BASE}/enrollment/{c.outside_enrollment}/reenroll", json=SCHEDULE)),
    ok("Reenroll-404", "POST", "/enrollment/{enrollmentId}/reenroll", 404, lambda c: c.api.post(
        f"{BASE}/enrollment/{UNKNOWN}/reenroll", json=SCHEDULE)),
    ok("Reenroll-409", "POST", "/enrollment/{enrollmentId}/reenroll", 409, lambda c: c.api.post(
        f"{BASE}/enrollment/{c.fresh_enrollment}/reenroll", json=SCHEDULE)),
    ok("Unenroll-400", "POST", "/enrollment/delete", 400, lambda c: c.api.post(
        f"{BASE}/enrollment/delete", json={"enrollmentIds": "all"})),
    ok("Unenroll-403", "POST", "/enrollment/delete", 403, lambda c: c.dept.post(
        f"{BASE}/enrollment/delete", json={"enrollmentIds": [c.outside_enrollment]})),
    ok("Unenroll-404", "POST", "/enrollment/delete", 404, lambda c: c.api.post(
        f"{BASE}/enrollment/delete", json={"enrollmentIds": [UNKNOWN]})),
    ok("ListLearnerResults-400", "GET", "/learners/results", 400, lambda c: c.api.get(
        f"{BASE}/learners/results", params={"completionStatuses": "done"})),
]  # fmt: skip


async def test_operation_success_answer_matches_published_schema(
    spec: Spec, ctx: Ctx, case: Case
) -> None:
    answer = await case.call(ctx)
    assert answer.status_code == case.status, answer.text
    if spec.schema_pointer(case.method, case.path, case.status, "application/json") is None:
        assert answer.content == b""  # the document describes no body for this answer
        return
    assert answer.headers["content-type"].startswith("application/json")
    spec.validate(case.method, case.path, case.status, answer.json())


async def test_operation_error_answer_matches_published_schema(
    spec: Spec, ctx: Ctx, case: Case
) -> None:
    answer = await case.call(ctx)
    assert answer.status_code == case.status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    spec.validate(case.method, case.path, case.status, body)
    assert body["code"] == case.status and body["message"]  # the schema allows any code


async def test_operation_without_token_answers_published_401(
    spec: Spec, ctx: Ctx, case: Case
) -> None:
    ctx.api.headers.pop("Authorization")
    ctx.dept.headers.pop("Authorization")
    answer = await case.call(ctx)
    assert answer.status_code == 401, answer.text
    spec.validate(case.method, case.path, 401, answer.json())
    assert answer.json()["code"] == 401


EVERY_CASE = [(p.id, p.values[0]) for p in [*SUCCESSES, *ERRORS]]


@pytest.mark.parametrize(("name", "target"), EVERY_CASE, ids=[name for name, _ in EVERY_CASE])
def test_case_expects_a_status_its_operation_declares(spec: Spec, name: str, target: Case) -> None:
    """Each case names the document's operation at its method and path, expects the status its
    id names (an error case ``<operationId>-<status>``), and that status is one the operation
    declares (or, for an error, one of the document's shared error responses)."""
    declared = spec.lookup(f"#/paths/{escape(target.path)}/{target.method.lower()}")
    operation, _, status = name.partition("-")
    assert declared["operationId"] == operation == target.operation.partition("-")[0]
    responses = {int(code) for code in declared["responses"]}
    if status:
        assert int(status) == target.status >= 400
        assert target.status in responses or target.status in SHARED_ERRORS
    else:
        assert target.status < 300 and target.status in responses


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    if metafunc.function.__name__ == "test_operation_error_answer_matches_published_schema":
        metafunc.parametrize("case", ERRORS)
    elif metafunc.function.__name__ == "test_operation_without_token_answers_published_401":
        metafunc.parametrize("case", [p for p in SUCCESSES if p.values[0].path != "/api/v3/token"])
    else:
        metafunc.parametrize("case", SUCCESSES)


XML_READS = [
    ("AccessRequest", "POST", "/api/v3/token", 200),
    ("GetUsers", "GET", "/user", 200),
    ("GetUsersV2", "GET", "/user/v2", 200),
    ("ListUsers", "GET", "/users", 200),
    ("ListUsersV2", "GET", "/users/v2", 200),
    ("GetUserProfile", "GET", "/user/{userId}", 200),
    ("GetUserProfileV2", "GET", "/user/{userId}/v2", 200),
    ("GetDepartments", "GET", "/department", 200),
    ("ListDepartments", "GET", "/departments", 200),
    ("GetDepartment", "GET", "/department/{departmentId}", 200),
    ("GetContent", "GET", "/content", 200),
    ("ListContent", "GET", "/contents", 200),
    ("GetContentItem", "GET", "/content/{contentId}", 200),
    ("GetEnrollments", "GET", "/enrollment", 200),
    ("ListEnrollments", "GET", "/enrollments", 200),
    ("GetEnrollment", "GET", "/enrollment/{enrollmentId}", 200),
    ("ListLearnerResults", "GET", "/learners/results", 200),
    ("GetUserProfile-404", "GET", "/user/{userId}", 404),
    ("EnrollLearnersInCourses-403", "POST", "/enrollment", 403),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "status"), XML_READS, ids=[x[0] for x in XML_READS]
)
async def test_operation_xml_answer_uses_document_element_names(
    spec: Spec, ctx: Ctx, name: str, method: str, path: str, status: int
) -> None:
    (case,) = [p.values[0] for p in [*SUCCESSES, *ERRORS] if p.id == name]
    for client in (ctx.anon, ctx.api, ctx.dept):
        client.headers["Accept"] = "application/xml"
    answer = await case.call(ctx)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    root = SafeElementTree.fromstring(answer.content)
    assert root.tag == "response"
    pointer = spec.schema_pointer(method, path, status, "application/xml")
    assert pointer is not None
    assert len(root) > 0
    spec.check_xml(root, spec.lookup(pointer))
    if status >= 400:
        assert root.findtext("code") == str(status)


def test_openapi_to_json_schema_honours_nullable() -> None:
    converted = openapi_to_json_schema(
        {
            "properties": {
                "a": {"type": "string", "nullable": True},
                "b": {"nullable": True, "$ref": "#/x"},
            }
        }
    )
    assert converted["properties"]["a"] == {"type": ["string", "null"]}
    assert converted["properties"]["b"] == {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}
    validator = Draft4Validator(converted["properties"]["a"])
    assert validator.is_valid(None) and validator.is_valid("x") and not validator.is_valid(1)
