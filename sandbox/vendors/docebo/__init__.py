"""Docebo (Learn REST API) emulation, mounted at ``/docebo``.

The base URL ``http://127.0.0.1:8765/docebo`` replaces ``https://<tenant>.docebosaas.com``. Facts
come from ``shared/vendors.md`` section 1 and seed 001; tags there say which are verified ([V]),
secondary ([S]) or inferred ([I]). Every choice made where Docebo is silent is listed here.

Authentication
--------------
``POST /oauth2/token``, form body (``application/x-www-form-urlencoded`` or multipart, as curl
``-F`` sends): ``grant_type`` = ``client_credentials`` | ``password`` | ``refresh_token``,
``client_id``, ``client_secret``, ``scope`` (optional, ``api``), ``username`` + ``password`` for the
password grant, ``refresh_token`` for the refresh grant. Success (200)::

    {"access_token": "<40 hex>", "expires_in": 3600, "token_type": "Bearer", "scope": "api",
     "refresh_token": "<40 hex>"}

Errors follow RFC 6749 [I]: 400 ``{"error": "invalid_request" | "unsupported_grant_type" |
"invalid_grant" | "invalid_scope", "error_description": "..."}``; 401
``{"error": "invalid_client", ...}``. The tenant has one OAuth client (``client_id``
``lmsbridge-sandbox``, its secret derived from the scenario's seed) and one superadmin
(``admin``, level ``godadmin``, user id 10000) whose password the password grant checks; every
token acts as that superadmin (Docebo tokens inherit the permissions of the user who obtained
them; narrower levels are not emulated). A refresh token is good for one use.
Every other route needs ``Authorization: Bearer <token>``; a missing, unknown or expired token is
401 in Docebo's error body (below) with ``WWW-Authenticate: Bearer``. Tokens live in memory
only: after a restart clients fetch a new one, as they would after any 401. ``POST
/_sandbox/reset`` keeps them valid.

Errors [I: Docebo runs on Yii; its body is unverified]
------------------------------------------------------
``{"name": "<reason phrase>", "message": "<text>", "code": 0, "status": <http status>}`` with
400 (invalid body or parameter, already enrolled), 401, 404 (unknown user, course, enrollment or
route), 405 (wrong method) and 413 (a body over 1 MiB). Parameters are checked strictly, so a
client bug shows as a 400 that names the parameter: an unknown ``sort_attr``/``sort_by`` value,
an unknown status or level, a non-numeric id, a malformed date.

Envelope and paging
-------------------
Lists answer ``{"data": {"items": [...], "count", "has_more_data", "current_page",
"current_page_size", "total_page_count", "total_count", "sort": [{"sort_attr", "sort_dir"}],
"cursor"?}, "version": "1.0.0", "_links": {"self": {"href"}, "next"?: {"href"}}}``.
``page`` is 1-based (default 1), ``page_size`` defaults to 20 and is capped at 200 [S/I]; a
``page_size`` above 200 is clamped, a non-numeric or < 1 value is 400. With ``get_cursor=1`` the
answer carries an opaque ``cursor``; sending ``cursor=<value>`` returns the page after the last
record of the previous one, and stays valid while records are added or removed. A cursor is
bound to the filters it was issued for: a forged or mismatched cursor is 400.

Array filters are accepted in every form real clients send: ``user_id[]=1&user_id[]=2``,
``user_ids[]=1``, ``user_ids=1,2``, ``user_id=1`` (and the same for ``course_id``).
Dates on the wire are ``YYYY-MM-DD HH:MM:SS`` in UTC.

Routes
------
``GET /manage/v1/user`` (and ``GET /manage/v1/user/{user_id}``: ``{"data": <item>}``)
    Items: ``user_id`` (a string, as Docebo sends it; people are 10001 and up), ``username``,
    ``first_name``, ``last_name``, ``fullname``, ``email``, ``status`` ("1" active, "0"
    suspended), ``level`` ("user" or "godadmin"), ``creation_date``, ``last_access_date``,
    ``last_update``, ``language``, ``timezone``, ``expired`` (bool). Filters: ``search_text``
    (username, names, email), ``sort_attr`` (``user_id``, ``username``, ``first_name``,
    ``last_name``, ``email``, ``creation_date``), ``sort_dir`` (asc|desc).
``GET /learn/v1/courses`` (and ``GET /learn/v1/courses/{id_course}``: the item plus ``type``)
    Items: ``id_course`` (int), ``name``, ``code``, ``description``, ``course_type``
    (``elearning`` | ``classroom`` | ``webinar``), ``uidCourse``, ``slug_name``, ``language``
    (e.g. ``english``), ``lang_code`` (e.g. ``en``), ``status`` (``published``), ``duration``
    (seconds), ``date_created``, ``date_last_updated``, ``soft_deadline`` (bool). Filters:
    ``search_text``, ``sort_by`` (``id_course``, ``name``, ``code``, ``date_last_updated``),
    ``sort_by_direction`` (asc|desc).
``GET /course/v1/courses/enrollments``
    The admin view of course enrollments. Items: ``user_id`` (int), ``username``, ``course_id``,
    ``course_uid``, ``course_code``, ``course_name``, ``course_type``, ``course_begin_date``,
    ``course_end_date``, ``enrollment_level`` (string: ``student`` | ``tutor`` | ``instructor``),
    ``enrollment_status``, ``enrollment_created_by`` (int), ``enrollment_created_at``,
    ``enrollment_validity_begin_date``, ``enrollment_validity_end_date``,
    ``enrollment_date_last_updated``, ``enrollment_completion_date``, ``enrollment_score``,
    ``enrollment_time_spent`` (seconds), ``enrollment_completion_percentage`` (0-100) [I].
    Filters: ``user_id``/``user_ids``, ``course_id``/``course_ids``, ``course_type`` (CSV),
    ``level`` (CSV of level strings), ``status`` (CSV of statuses; ``not_started`` is an alias of
    ``subscribed``), ``updated_from``/``updated_to``, ``sort_attr`` (``user_id``, ``course_id``,
    ``enrollment_created_at``, ``enrollment_date_last_updated``), ``sort_dir``; paging and cursor.
``GET /learn/v1/enrollments`` (and ``GET /learn/v1/enrollments/{course_id}/{user_id}``:
``{"data": {"records": <item>}}``)
    The learner view: one item per (user, course); ``id`` is the **course** id. With the
    superadmin's token and no ``id_user[]`` it lists every user's enrollments. Items: ``id``,
    ``user_id``, ``username``, ``name``, ``code``, ``type``, ``status``, ``level`` (string),
    ``slug``, ``description``, ``lang_code``, ``enroll_begin_date``, ``enroll_end_date``,
    ``enroll_date_of_enrollment``, ``course_complete_date``, ``total_time``, ``score``,
    ``complete_percent``, ``date_last_updated``, ``subscribed_by``, ``duration``, ``can_enter``,
    ``enrolled_sessions`` ([]). Filters: ``id_user[]``, ``id_course[]``, ``code_course[]``,
    ``status`` (CSV), ``type`` (CSV), ``updated_from``/``updated_to``, ``search``, ``level``,
    ``sort_by``; paging and cursor.
``POST /learn/v1/enrollments/{course_id}/{user_id}`` (also ``/learn/v1/enrollment/...``)
    JSON (or form) body, all optional: ``level`` (3 student, 4 tutor, 6 instructor, or the
    string), ``date_begin_validity``, ``date_expire_validity`` (Docebo date or ``YYYY-MM-DD``),
    ``enrollment_fields`` (object). 200::

        {"data": {"enrolled": [{"user_id": 12, "course_id": 7, "waiting": false}]},
         "version": "1.0.0", "_links": {}}

    Status of the new enrollment: ``subscribed``. Unknown user or course: 404. Already enrolled:
    400 "User already enrolled in the course" [I]. Bad level or date: 400.
``DELETE /learn/v1/enrollments/{course_id}/{user_id}`` (also ``/learn/v1/enrollment/...``)
    200 ``{"data": {"deleted_enrollment": <internal enrollment id>}, "version": "1.0.0",
    "_links": {}}``; unknown pair: 404.

Statuses stored (the vocabulary of Docebo's enrollment import): ``waiting``, ``to_confirm``,
``subscribed``, ``in_progress``, ``completed``, ``suspended``, ``overbooking``. Levels: 3 student,
4 tutor, 6 instructor; rendered as their strings.

Seeding: the scenario's neutral states map to ``waiting`` (a third of the waiting classroom and
webinar enrollments are ``overbooking``), ``pending_approval`` to ``to_confirm``,
``not_started`` to ``subscribed``, ``passed`` and ``completed`` to ``completed``, ``withdrawn``
to ``suspended``, and ``failed`` to ``in_progress`` below 100%: Docebo has no failed course
status; a learner who failed the final test is still in the course. Due dates are the validity
end dates. Internal enrollment ids (``deleted_enrollment``) are never reused.
"""

from sandbox.vendors.docebo.models import DoceboBackend

__all__ = ["DoceboBackend"]
