"""Kombo (unified LMS API) emulation, mounted at ``/kombo/v1``.

The base URL ``http://127.0.0.1:8765/kombo/v1`` replaces ``https://api.kombo.dev/v1``. The
ground truth is Kombo's published OpenAPI 3.1 document (the ``/lms`` part, kept beside the
checkout in ``shared/vendor-specs/kombo-lms-openapi.json``, never copied here): every answer
validates against the schema of its operation and status (``tests/contract/test_kombo_schema.py``).
Other facts come from ``shared/vendors.md`` section 2, seed 000 and docs.kombo.dev. Tags: [V]
verified in the document or Kombo's docs, [I] a choice made where Kombo is silent (the ones a
client could trip on are attributes of :class:`KomboBackend`, so tests can flip them).

Authentication and the integration
----------------------------------
Every call needs ``Authorization: Bearer <api key>`` [V] (the scheme is matched without regard
to case) and ``X-Integration-Id: <tool>:<id>`` [V]. The tenant has one API key and one
integration, both derived from the scenario's seed (``GET /_sandbox/credentials`` gives
``{"base_url", "api_key", "integration_id"}``). The integration's tool is ``sandbox``, Kombo's own
LMS test connector: its docs name that tool slug, list it for every LMS model and every action
emulated here, and show ``"integration_id": "sandbox:..."`` in their ``data-changed`` example [V
docs.kombo.dev/lms/connectors/sandbox, /lms/getting-started/fetching-data]. Remote ids are
therefore the sandbox LMS's own: decimal strings for users and courses.

Errors
------
Always ``{"status": "error", "error": {"code", "title", "message", "log_url"}}`` [V], with a
code from the document's general error enum (which has no ``null``, so ``code`` is never null;
``title`` is a static label per code; ``log_url`` is null: the sandbox has no log UI). The
document defines only ``200`` and a ``default`` response (``ErrorResponseGeneral``) per
operation, and Kombo does not pin statuses [V], so every error below is answered with that
general error schema and these statuses [I]:

* 401 ``PLATFORM.AUTHENTICATION_INVALID``: no, malformed or wrong API key (with
  ``WWW-Authenticate: Bearer``). Checked first.
* 400 ``PLATFORM.INPUT_INVALID``: no ``X-Integration-Id`` header (a required parameter of every
  operation); a query parameter the operation does not define, or given twice; a value outside
  its type, range, pattern or enum; a body that is not the document's request schema; an id in
  a body that names no (live) record; enrolling into an inactive revision.
* 404 ``PLATFORM.INTEGRATION_NOT_FOUND``: an ``X-Integration-Id`` other than the tenant's.
* 404 ``PLATFORM.INPUT_INVALID``: an id in the path (progression, course, task) that names no
  live record; an unknown route. Kombo has no not-found code in this enum.
* 405 / 413 ``PLATFORM.INPUT_INVALID``: a wrong method; a body over 1 MiB.
* 429 ``PLATFORM.CONCURRENCY_LIMIT_EXCEEDED``: see below. 5xx would be ``PLATFORM.UNKNOWN_ERROR``.

Lists: ``GET /lms/users``, ``/lms/courses``, ``/lms/skills``, ``/lms/course-progressions``
---------------------------------------------------------------------------------------------
``{"status": "success", "data": {"next": <cursor or null>, "results": [...]}}``, no
``warnings`` key [V]. Parameters, exactly as the document defines them per endpoint [V]:
``cursor``; ``page_size`` (integer 1-250, default 100: anything else is 400, not clamped);
``updated_after``; ``include_deleted`` and ``ignore_unsupported_filters`` (the strings
``"true"`` / ``"false"`` only); ``ids`` and ``remote_ids`` (comma-separated); users also
``work_emails`` (case-insensitive); progressions also ``user_ids`` and ``course_ids`` (Kombo
ids). Filters combine with AND, the values of one filter with OR [V]; empty values in a list
(``ids=a,,b``, ``ids=``) are ignored [I]. Every filter is supported, so
``ignore_unsupported_filters`` changes nothing [I].

* Order and cursors [I]: records come in creation order. ``next`` is an opaque signed cursor
  naming the last record of the page, bound to the endpoint and the filters it was issued for:
  send it back with the same filters (``page_size`` may change). It stays valid while records
  are added or change (new records come last). A forged cursor, or one of other filters or of
  another endpoint, is 400 ``PLATFORM.INPUT_INVALID``.
* ``include_deleted`` [V]: records whose ``remote_deleted_at`` is set are left out unless
  ``"true"``.
* ``updated_after`` [V pattern ``YYYY-MM-DD`` with optional ``THH:MM:SS``, fraction and ``Z``;
  read as UTC; the comparison is inclusive, ``>=``, so a sync never misses a record [I]]. A
  record matches when it changed since then, its own ``changed_at`` or, for courses, any of its
  revisions (a revision added, removed or changed) [V: the document's tables per endpoint:
  ``revisions`` counts for courses, ``skill_assignments`` and ``provider`` do not; for
  progressions neither ``user`` nor ``course_revision`` counts]. So deactivating a course (which
  changes its revisions, not the course's own fields) leaves the course's ``changed_at`` as it
  was and still matches ``updated_after``.

Records [V: the document's schemas; every key present, null where unknown]
------------------------------------------------------------------------
Kombo ids are 24 base58 characters from a SHA-256 of (seed, kind, number): the same seed gives
the same ids, and records created later get theirs from their sequence number, never from a
random source. Timestamps are ``YYYY-MM-DDTHH:mm:ss.sssZ``. ``remote_data`` is null (Kombo sends
it only on some plans [V]), ``integration_fields`` is ``[]``, ``custom_fields`` is null except
a user's ``{"department", "job_title"}`` [I].

* Users: ``remote_id`` ``"1"``, ``"2"``...; ``status`` ACTIVE or INACTIVE (suspended people).
* Skills: one per course category of the catalog (``remote_id`` ``skill-<n>``), plus one retired
  skill the LMS deleted.
* Courses: ``remote_id`` ``"1"``...; the seeded courses have no provider (``provider`` and
  ``provider_id`` null) and no ``origin_id``. Every course has one revision (``<course>-v1``),
  or two when it was updated (a third of the updated ones): the first INACTIVE, the second
  ACTIVE and created at the update [I]. A revision has the course's title and description, a
  ``remote_url`` on the LMS (``https://lms.<company domain>/courses/<course>/v<n>``) and one
  skill assignment, its course category's skill.
* Course progressions: ``remote_id`` ``progress-<n>``; ``user`` and ``course_revision`` (with
  its ``course``) show the linked records as they are now.

Actions (POST; answers ``{"status": "success", "data": ..., "warnings": [{"message"}]}`` [V])
------------------------------------------------------------------------------------------
Path and body ids are Kombo ids or ``remote:<remote id>`` wherever the document allows it [V]:
the enroll body's ``user_id`` and ``course_revision_id``, ``course_progression_id`` and
``course_id`` in paths.

``POST /lms/course-progressions`` (enroll) [V: 200, not 201; body ``{user_id,
course_revision_id}``, both required strings]
    Creates a progression ENROLLED, ``enrolled_at`` = ``changed_at`` = now, and answers it.
    A deleted or unknown user or revision is 400; an INACTIVE revision (superseded, or its
    course deactivated) is 400 "inactive": a deactivated course takes no new enrollments [V].
    Already enrolled [I: Kombo's docs do not say]: the existing progression is answered
    unchanged, HTTP 200, with the warning "The user is already enrolled in this course
    revision; ..." and no event (``duplicate_enrollment = "error"`` makes it 400 instead). A
    DROPPED progression of the same pair is enrolled again: ENROLLED, new ``enrolled_at``,
    ``completed_at`` null, same id. Inactive users may be enrolled, as in most LMSs.
``POST /lms/course-progressions/{course_progression_id}/complete`` [V: body ``{completed_at?,
score?}``, both nullable]
    Sets COMPLETED and ``completed_at`` (default: now; the document's date-time pattern, so
    ``2024-04-15`` is midnight UTC; a date in the future is 400 [I]). ``score`` is an integer
    0-100 (``93.0`` counts as an integer, ``93.5``, ``"93"`` and ``true`` do not); the
    progression schema has no score field, so it is kept in the store, not rendered [I]. A
    progression of any status may be completed (DROPPED too) [I]; ``changed_at`` moves only
    when a rendered field changed.
``POST /lms/courses/{course_id}/deactivate`` [V: body ``{}``; any JSON object is accepted]
    Every revision becomes INACTIVE (``changed_at`` = now); progressions are kept [V]; the course
    is answered. Deactivating an inactive course changes nothing and fires no event.
``POST /lms/courses/bulk`` then ``GET /lms/courses/bulk/{task_id}`` [V: the async pattern]
    The body is validated at once against the document's schema (400 naming the item, e.g.
    ``items[1].course.languages[0]``), then ``{"task_id"}`` is answered. The sandbox has no
    background worker [I]: a task stays PENDING until it is polled at least
    ``bulk_task_seconds`` (2 s of the sandbox clock, which tests advance) after its
    creation; that poll runs it, and later polls answer the same terminal state.
    FAILED [V: "the task could not be processed at all"] when two items share an ``origin_id``
    (the document calls it the item's unique identifier in the batch): error
    ``PLATFORM.INPUT_INVALID``, nothing is upserted [I]. Otherwise COMPLETED with one result per
    item, in order [V: "COMPLETED ... does not mean every item succeeded"]: SUCCEEDED with the
    course's Kombo id, or FAILED for an item that cannot be upserted [I]: a ``course_url`` that
    is not an absolute http(s) URL (``REMOTE.INPUT_INVALID``: the LMS refuses it), or an
    ``origin_id`` of a deactivated course (``LMS.COURSE_UPDATE_NOT_SUPPORTED``). An ``origin_id``
    seen before updates that course's current revision (title, description); a new one creates
    a course (``origin_id`` set, ``provider`` = the integration's content provider
    ``lmsbridge Content``) with one ACTIVE revision and no skills. ``course_url``,
    ``thumbnail_url``, ``duration`` and ``languages`` have no field in Kombo's course model:
    they are kept in the store only [I].

The concurrency limit [V docs.kombo.dev/lms/important-changes]
-------------------------------------------------------------
At most ``max_concurrent_actions`` (30) action requests (POST) per integration may be in flight;
one more is refused with 429 ``PLATFORM.CONCURRENCY_LIMIT_EXCEEDED``. Reads are exempt. Every
answer to a counted POST carries ``Concurrency-Remaining``: how many more may start now [I for
its exact count], ``0`` on the 429.

Webhooks (``GET /_sandbox/events?vendor=kombo``)
------------------------------------------------
A write that changes data records Kombo's ``data-changed`` webhook [V: body shape from
docs.kombo.dev, model names from the SDK]: ``{"id": <Kombo id>, "type": "data-changed",
"data": {"integration_id", "integration_tool": "sandbox", "integration_category": "LMS",
"changed_models": [{"name"}]}}``, listing the models written: enroll and complete
``lms_course_progressions``; deactivate ``lms_course_revisions``; a bulk task when it runs
``lms_courses`` and/or ``lms_course_revisions``. One event per write [I] (Kombo batches them).

Deliveries (``sandbox.webhooks``) [I but the body]: Kombo's webhooks are set up in its
dashboard, so the sandbox takes them at ``POST /_sandbox/webhooks {"vendor": "kombo", "url",
"events"?: ["data-changed"], "secret"?}`` for the tenant's one integration. Every delivery is
signed ``X-Kombo-Signature: <base64url, unpadded, HMAC-SHA256(secret, raw body)>``; without a
``secret`` one is derived from the scenario's seed and answered with the subscription. Kombo's
other webhook types (connection flows, integration state) are not emulated.

Seeding [I]
-----------
From the vendor-neutral world: progressions from the assignments, with the neutral states as
waiting, pending_approval, not_started -> ENROLLED; in_progress, failed -> IN_PROGRESS;
completed, passed -> COMPLETED (with ``completed_at``); withdrawn -> DROPPED. ``enrolled_at`` is
the assignment date; an assignment made after a course's second revision is in that revision.
``remote_created_at`` and ``changed_at`` come from the world's dates. A few records were deleted
in the LMS (``remote_deleted_at`` between their last change and the reference date): a third
of the suspended users, one course in twenty with its revisions, the progressions of both, and
the retired skill.
"""

from sandbox.vendors.kombo.models import KomboBackend

__all__ = ["KomboBackend"]
