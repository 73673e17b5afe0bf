"""One handler per LMS365 operation: authenticate, parse the request, call the backend, render
the OData envelope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.http import JSONResponse, host_header, query_params, url_key
from sandbox.memo import Memo
from sandbox.vendors.lms365.models import LMS365Backend, Page
from sandbox.vendors.lms365.odata import Expand
from sandbox.vendors.lms365.params import (
    QueryOptions,
    enroll_body,
    enrollment_fields,
    json_body,
    key,
    query_options,
)
from sandbox.vendors.lms365.render import ENROLLMENT, ENTITY_SETS

SERVICE_PATH: Final = "/odata/v2"
#: characters left as they are in a nextLink's query string
_SAFE: Final = "$(),'/:*"


class ODataResponse(JSONResponse):
    media_type = "application/json; odata.metadata=minimal; odata.streaming=true"

    def __init__(self, content: Any, status_code: int = 200, headers: dict[str, str] | None = None):
        super().__init__(content, status_code, {"OData-Version": "4.0", **(headers or {})})


def service_root(request: Request) -> str:
    """``<scheme>://<host>/lms365/odata/v2``, as this request reached it. Memoized by what it
    is built from (scheme, server, ``Host`` and the path up to the service), which every
    request of a client shares: building the URL cost more than the rest of a write's answer."""
    scope = request.scope
    path: str = scope["path"]
    end = path.find(SERVICE_PATH)
    if end < 0:
        return _service_root(request)
    key = (
        scope.get("scheme", "http"),
        scope.get("server"),
        host_header(scope),
        path[: end + len(SERVICE_PATH)],
    )
    root = _ROOTS.get(key)
    if root is None:
        root = _ROOTS.remember(key, _service_root(request))
    return root


def _service_root(request: Request) -> str:
    url = str(request.url.replace(query=""))
    return url[: url.index(SERVICE_PATH) + len(SERVICE_PATH)]


#: service roots by what they are built from (see ``service_root``)
_ROOTS: Memo[tuple[Any, ...], str] = Memo(256)


def context(
    root: str,
    entity_set: str,
    select: tuple[str, ...] | None,
    expand: Sequence[Expand],
    *,
    entity: bool = False,
) -> str:
    """The ``@odata.context`` URL: ``$metadata#Set``, with ``(selected,Nav())`` when
    ``$select``/``$expand`` shaped the answer, and ``/$entity`` for a single entity."""
    parts = list(select or ())
    parts.extend(f"{e.name}({','.join(e.select or ())})" for e in expand)
    shape = f"({','.join(parts)})" if select is not None or expand else ""
    return f"{root}/$metadata#{entity_set}{shape}{'/$entity' if entity else ''}"


#: the context and next link of recent list answers, by the request's URL and the page's token
_LINKS: Memo[tuple[Any, ...], tuple[str, str | None]] = Memo(4096)


def _links(
    request: Request, entity_set: str, options: QueryOptions, page: Page
) -> tuple[str, str | None]:
    """A list answer's ``@odata.context`` and ``@odata.nextLink`` (None on the last page).
    Memoized: a connector reads the same pages again, and building the URLs cost more than
    the rest of the answer."""
    key = (url_key(request.scope), entity_set, page.token, page.top_left)
    found = _LINKS.get(key)
    if found is not None:
        return found
    root = service_root(request)
    shape = context(root, entity_set, options.select, options.expand)
    next_link = None
    if page.token is not None:
        pairs = [
            (name, value)
            for name, value in request.query_params.multi_items()
            if name not in ("$skip", "$skiptoken", "$top")
        ]
        if page.top_left is not None:
            pairs.append(("$top", str(page.top_left)))
        pairs.append(("$skiptoken", page.token))
        query = urlencode(pairs, safe=_SAFE, quote_via=quote)
        next_link = f"{root}/{entity_set}?{query}"
    return _LINKS.remember(key, (shape, next_link))


class LMS365Responses:
    def __init__(self, backend: LMS365Backend) -> None:
        self.backend = backend

    def _auth(self, request: Request, *, write: bool = False) -> None:
        self.backend.authenticate(request.headers.get("authorization"), write=write)

    # -- reads ---------------------------------------------------------------------------------

    async def service_document(self, request: Request) -> Response:
        self._auth(request)
        root = service_root(request)
        return ODataResponse(
            {
                "@odata.context": f"{root}/$metadata",
                "value": [{"name": name, "kind": "EntitySet", "url": name} for name in ENTITY_SETS],
            }
        )

    async def _list(self, request: Request, entity_set: str) -> Response:
        self._auth(request)
        backend = self.backend
        options = query_options(query_params(request), ENTITY_SETS[entity_set], collection=True)
        page = backend.page(entity_set, options)
        shape, next_link = _links(request, entity_set, options, page)
        docs = backend.collections[entity_set].docs
        body: dict[str, Any] = {"@odata.context": shape}
        if page.count is not None:
            body["@odata.count"] = page.count
        if options.select is None and not options.expand:
            body["value"] = backend.views[entity_set].items(page.ids)
        else:
            body["value"] = [
                backend.item(entity_set, docs[i], options.select, options.expand) for i in page.ids
            ]
        if next_link is not None:
            body["@odata.nextLink"] = next_link
        return ODataResponse(body)

    async def _get(self, request: Request, entity_set: str) -> Response:
        self._auth(request)
        backend = self.backend
        entity = ENTITY_SETS[entity_set]
        options = query_options(request.query_params, entity, collection=False)
        doc_id = backend.find(entity_set, key(request.path_params["key"], entity))
        doc = backend.collections[entity_set].docs[doc_id]
        item = backend.item(entity_set, doc, options.select, options.expand)
        root = service_root(request)
        shape = context(root, entity_set, options.select, options.expand, entity=True)
        return ODataResponse({"@odata.context": shape, **item})

    async def list_users(self, request: Request) -> Response:
        return await self._list(request, "Users")

    async def get_user(self, request: Request) -> Response:
        return await self._get(request, "Users")

    async def list_courses(self, request: Request) -> Response:
        return await self._list(request, "Courses")

    async def get_course(self, request: Request) -> Response:
        return await self._get(request, "Courses")

    async def list_course_sessions(self, request: Request) -> Response:
        return await self._list(request, "CourseSessions")

    async def get_course_session(self, request: Request) -> Response:
        return await self._get(request, "CourseSessions")

    async def list_enrollments(self, request: Request) -> Response:
        return await self._list(request, "Enrollments")

    async def get_enrollment(self, request: Request) -> Response:
        return await self._get(request, "Enrollments")

    async def list_groups(self, request: Request) -> Response:
        return await self._list(request, "Groups")

    async def get_group(self, request: Request) -> Response:
        return await self._get(request, "Groups")

    # -- writes --------------------------------------------------------------------------------

    def _enrollment(self, request: Request, doc_id: int, status: int) -> Response:
        """One enrollment as a write's answer (201 adds ``Location``)."""
        root = service_root(request)
        doc = self.backend.enrollments.docs[doc_id]
        headers = {"Location": f"{root}/Enrollments({doc['Id']})"} if status == 201 else None
        body = {
            "@odata.context": context(root, "Enrollments", None, (), entity=True),
            **self.backend.item("Enrollments", doc, None),
        }
        return ODataResponse(body, status, headers)

    async def enroll(self, request: Request) -> Response:
        """``POST Courses({Id})/Enroll``: a user (the enrollment; 201 when created, 200 when it
        existed) or a group (every member's enrollment; 201 when any was created)."""
        self._auth(request, write=True)
        course_key = key(request.path_params["key"], ENTITY_SETS["Courses"])
        enroll = enroll_body(await json_body(request))
        result = self.backend.enroll(course_key, enroll)
        # The answer is rendered as written, before the commit awaits its fsync: a request
        # served meanwhile (an unenroll of the same pair) may delete the record.
        status = 201 if result.created else 200
        if not result.group:
            response = self._enrollment(request, result.ids[0], status)
        else:
            docs = self.backend.enrollments.docs
            root = service_root(request)
            response = ODataResponse(
                {
                    "@odata.context": context(root, "Enrollments", None, ()),
                    "value": [self.backend.item("Enrollments", docs[i], None) for i in result.ids],
                },
                status,
            )
        await self.backend.store.commit()
        return response

    async def create_enrollment(self, request: Request) -> Response:
        self._auth(request, write=True)
        fields = enrollment_fields(await json_body(request), ENROLLMENT, create=True)
        doc_id = self.backend.create_enrollment(fields)
        response = self._enrollment(request, doc_id, 201)  # as written (see ``enroll``)
        await self.backend.store.commit()
        return response

    async def update_enrollment(self, request: Request) -> Response:
        """``PATCH Enrollments({Id})``: 204, or 200 with the entity when the client sends
        ``Prefer: return=representation``."""
        self._auth(request, write=True)
        enrollment_key = key(request.path_params["key"], ENROLLMENT)
        fields = enrollment_fields(await json_body(request), ENROLLMENT, create=False)
        doc_id = self.backend.update_enrollment(enrollment_key, fields)
        prefer = request.headers.get("prefer", "").lower()
        response = Response(status_code=204, headers={"OData-Version": "4.0"})
        if "return=representation" in prefer or self.backend.patch_returns_entity:
            response = self._enrollment(request, doc_id, 200)  # as written (see ``enroll``)
            if "return=representation" in prefer:
                response.headers["Preference-Applied"] = "return=representation"
        await self.backend.store.commit()
        return response

    async def delete_enrollment(self, request: Request) -> Response:
        self._auth(request, write=True)
        self.backend.delete_enrollment(key(request.path_params["key"], ENROLLMENT))
        await self.backend.store.commit()
        return Response(status_code=204, headers={"OData-Version": "4.0"})
