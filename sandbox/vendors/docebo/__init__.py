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
route), 405 (wrong method) and 413 (a body over 1 MiB). A 404 for a record names it ("Enrollment
not found (user 12, course 7)"); a 404 for an unknown route only says "Not Found". Parameters
are checked strictly, so a client bug shows as a 400 that names the parameter: an unknown
``sort_attr``/``sort_by`` value, an unknown status or level, a non-numeric id, a malformed date.

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
Dates on the wire are ``YYYY-MM-DD HH:MM:SS`` in UTC. Sorting by a name ignores case; a list
sorted by nothing in particular is in internal id order and reports ``"sort_attr": "id"``.

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
    ``course_end_date``, ``enrollment_level`` (string: ``learner`` | ``tutor`` | ``instructor``
    | ``coach``), ``enrollment_status``, ``enrollment_created_by`` (int),
    ``enrollment_created_at``, ``enrollment_validity_begin_date``,
    ``enrollment_validity_end_date``, ``enrollment_date_last_updated``,
    ``enrollment_completion_date``, ``enrollment_score``, ``enrollment_time_spent`` (seconds),
    ``enrollment_completion_percentage`` (0-100) [I], ``enrollment_fields`` (the object the
    enroll call was given, ``{}`` for seeded enrollments) [I]. Filters: ``user_id``/``user_ids``,
    ``course_id``/``course_ids``, ``course_type`` (CSV), ``level`` (CSV of level strings),
    ``status`` (CSV of statuses; ``not_started`` is an alias of ``subscribed``),
    ``updated_from``/``updated_to``, ``sort_attr`` (``user_id``, ``course_id``,
    ``enrollment_created_at``, ``enrollment_date_last_updated``), ``sort_dir``; paging and
    cursor.
``GET /learn/v1/enrollments`` (and ``GET /learn/v1/enrollments/{course_id}/{user_id}``:
``{"data": {"records": <item>}}``)
    The learner view: one item per course or learning-plan enrollment; ``id`` is the **course or
    plan** id and ``type`` says which (``elearning``, ``classroom``, ``webinar``,
    ``learning_plan``). With the superadmin's token and no ``id_user[]`` it lists every user's
    enrollments. Items: ``id``, ``user_id``, ``username``, ``name``, ``code``, ``type``,
    ``status``, ``level``, ``slug``, ``description``, ``lang_code``, ``enroll_begin_date``,
    ``enroll_end_date``, ``enroll_date_of_enrollment``, ``course_complete_date``,
    ``total_time``, ``score``, ``rating``, ``complete_percent``, ``date_last_updated``,
    ``subscribed_by``, ``duration``, ``can_enter``, ``is_new``, ``soft_deadline``,
    ``courses_count`` (plans), ``location_name``, ``webinar_tool``, ``session_begin_date``,
    ``session_time_begin``, ``session_timezone`` (the user's session of an ILT course), and
    ``enrolled_sessions`` (filled only with ``get_session_details=1``: per session of the user
    ``id``, ``name``, ``description``, ``other_info``, ``date_begin``, ``date_end``,
    ``min_enrollments``, ``max_enrollments``, ``score_base``, ``tool``, ``dates`` as above, each
    event with the user's ``attendance_status`` (below), and the user's ``status``, the fields
    of the Connect doc's "enrolled sessions" output).
    The Connect doc's other output fields, whose keys and values are [I]: ``image_url``
    (``https://lmsbridge-sandbox.docebosaas.com/files/thumbnails/course-<id>.png``, ``lp-<id>``
    for plans: the tenant's host, as in webhooks; nothing is served there), ``url`` (the
    learner page, ``.../learn/course/<id>/<slug>`` or ``.../learn/lp/<id>/<slug>``),
    ``rating_option`` (``only_completed`` for courses, the only enrollments the sandbox rates;
    ``disabled`` for plans), ``can_enter_reason`` (null when ``can_enter``; else by status:
    ``waiting_list``, ``subscription_to_confirm``, ``subscription_suspended``),
    ``course_end_date`` (the admin item's, null: courses have no end date), ``hidden`` (false:
    the catalog hides nothing), ``subscription`` (``{"subscribed": false, "is_active":
    false}``: the tenant sells no subscription plans) and ``outdated`` (``{"total_users": <the
    course's or plan's enrollments>, "already_marked": false}``: no course is outdated). The
    doc lists an object's keys right after it, so "Subscribed" and "Is active" are read as the
    keys of ``subscription`` and "Total users" and "Already marked" as those of ``outdated``.
    Filters:
    ``id_user[]``, ``id_course[]``, ``code_course[]``, ``id_learning_plan[]``,
    ``code_learning_plan[]`` (a plan filter keeps the plan's own enrollment), ``status`` (CSV),
    ``type`` (CSV), ``deadline`` (validity ends between now and then), ``level`` (plan items
    count as ``learner``), ``updated_from``/``updated_to``, ``rating`` (at least), ``search``
    and ``search_text`` (name, description, code), ``exclude_courses_in_lp``,
    ``show_upcoming_sessions`` (ILT courses with a session still to come),
    ``duration_from_seconds``/``duration_to_seconds``, ``language`` (CSV of language codes),
    ``sort_by`` (``id``, ``name``, ``date_last_updated``, ``enroll_date_of_enrollment``) with
    ``sort_by_direction``; paging and cursor. The sandbox's tenant has no channels, skills,
    content partners, paid courses or course additional fields, so ``channel``, ``skills[]``,
    ``content_partners[]``, ``is_paid=1`` and ``field_<n>`` filters match nothing (``is_paid=0``
    and ``with_visibility`` match everything) [I].
``POST /learn/v1/enrollments/{course_id}/{user_id}`` (also ``/learn/v1/enrollment/...``)
    JSON (or form) body, all optional: ``level`` (3 learner, 4 tutor, 6 instructor, 7 coach, or the
    string), ``date_begin_validity``, ``date_expire_validity`` (Docebo date or ``YYYY-MM-DD``),
    ``enrollment_fields`` (object; stored as given and returned as the admin item's
    ``enrollment_fields``; the tenant defines no enrollment fields, so none is checked) [I].
    200::

        {"data": {"enrolled": [{"user_id": 12, "course_id": 7, "waiting": false}]},
         "version": "1.0.0", "_links": {}}

    Status of the new enrollment: ``subscribed``. Unknown user or course: 404. Already enrolled:
    400 "User already enrolled in the course" [I]. Bad level or date: 400.
``DELETE /learn/v1/enrollments/{course_id}/{user_id}`` (also ``/learn/v1/enrollment/...``)
    200 ``{"data": {"deleted_enrollment": <internal enrollment id>}, "version": "1.0.0",
    "_links": {}}``; unknown pair: 404.

Learning plans [S: paths from third-party clients; item keys I]
-------------------------------------------------------------------
``GET /learningplan/v1/learningplans``
    Items: ``learning_plan_id`` (int), ``uuid``, ``code``, ``title``, ``description``,
    ``is_published`` (bool), ``courses_count``, ``created_on``, ``updated_on``. Filters:
    ``search_text``; ``sort_attr`` (``learning_plan_id``, ``title``, ``code``, ``updated_on``),
    ``sort_dir``; paging and cursor.
``GET /learningplan/v1/learningplans/{id}``
    ``{"data": <item> + "courses": [{"id_course", "name", "code", "course_type", "position"}]}``
    (the plan's courses in order); unknown plan: 404.
``GET /learningplan/v1/learningplans/enrollments``
    Items: ``user_id``, ``username``, ``learning_plan_id``, ``learning_plan_name``,
    ``learning_plan_code``, ``enrollment_status`` (``not_started`` | ``in_progress`` |
    ``completed``), ``enrollment_created_by``, ``enrollment_created_at``,
    ``enrollment_validity_begin_date``, ``enrollment_validity_end_date``,
    ``enrollment_date_last_updated``, ``enrollment_completion_date``,
    ``enrollment_completion_percentage``, ``enrollment_time_spent``. Filters: ``user_id[]``/
    ``user_ids``, ``learning_plan_id[]``/``learning_plan_ids``, ``status`` (CSV), ``sort_attr``
    (``user_id``, ``learning_plan_id``, ``enrollment_created_at``,
    ``enrollment_date_last_updated``), ``sort_dir``; paging and cursor. ``extra_fields[]`` is
    accepted and ignored: every field is always sent.
``GET /learningplan/v1/learningplans/{learning_plan_id}/courses/enrollments``
    The course enrollments (the ``/course/v1/courses/enrollments`` item) of the plan's courses,
    with that route's filters (users, courses, course types, levels, statuses) and sorts; unknown
    plan: 404.

Instructor-led sessions [S: paths seen in clients that run against live tenants; keys from the
Connect doc's "enrolled sessions" output]
-------------------------------------------------------------------------------------------
A session: ``id``, ``course_id``, ``name``, ``description``, ``other_info``, ``date_begin``,
``date_end``, ``timezone``, ``min_enrollments``, ``max_enrollments``, ``enrolled_count``,
``waiting_count``, ``score_base``, ``tool`` (webinar tool, null for classroom),
``location_name`` (null for webinars), and ``dates``: one per event, ``{"id_event", "date",
"name", "time_begin", "time_end", "timezone", "id_classroom", "id_location",
"classroom_name", "location_name"}`` (times ``HH:MM:SS`` in the event's timezone).

``GET /course/v1/courses/{course_id}/sessions``
    The course's sessions, paged. An e-learning course answers 400 "Course <id> does not have
    sessions" (as live tenants do [S]); an unknown course 404.
``GET /course/v1/sessions/{session_id}``
    ``{"data": <session>}``.
``GET /course/v1/sessions/{session_id}/enrollments``
    The roster, paged: ``user_id``, ``username``, ``course_id``, ``session_id``, ``status``
    (``subscribed`` | ``waiting``), ``enrollment_date``, ``level``, and per event
    ``events: [{"id_event", "rsvp", "rsvp_updated_at", "attendance_status"}]``.
    ``attendance_status`` [I] is null until marked; seeding marks the events that ended before
    the scenario's reference date ``present`` for a learner who has started the course and
    ``absent`` for one who has not or has withdrawn. The learner view shows the same value on
    its ``enrolled_sessions[].dates``.
``POST /learn/v1/enrollments`` (enroll users into courses, or into a session) [V: body from
Docebo's published schema; answer from the Connect doc]
    Body: ``user_ids``, ``course_ids`` (required), ``level`` (required by Docebo's schema;
    defaults to 3 here), ``session_id``, ``date_begin_validity``, ``date_expire_validity``,
    ``enrollment_fields``. Each (user, course) pair is enrolled; with ``session_id`` (which must
    belong to the one course given) the user is also enrolled in the session, or put on its
    waiting list when it is full. Answer 200 ``{"data": {"enrolled": [{"user_id", "course_id",
    "waiting": true|false}], "errors": ["<message>", ...]}}``; for a session each row also has
    ``session_id`` and ``waiting`` is ``0``/``1`` (the Connect doc types the course action's
    flag Boolean and the session action's Integer). A pair that fails (unknown user, already
    enrolled, already in the session, a session of another course) is an error string and the
    others still happen [I]. An unknown session or an invalid body: 400/404 for the whole call.
``DELETE /course/v1/sessions/{session_id}/enrollments`` (unenroll from a session) [I: Docebo
calls this action an internal API; the path is the roster's]
    Body (JSON or query): ``user_ids`` (or ``user_id``). The users leave the session and keep
    their course enrollment; the first user waiting for the session takes a freed seat. Answer
    ``{"data": {"success": true}}``; a user not in the session: 404 for the whole call.
``PUT /course/v1/events/{event_id}/rsvp`` (batch RSVP) [I: an internal API in Docebo]
    Body: ``{"items": [{"user_id" | "user_email", "response": 0|1|2}], "sync_timestamp"?}``;
    responses 1 attending, 0 not attending, 2 maybe (a calendar's accepted, declined,
    tentative). Answer ``{"data": [{"row_index", "success", "message"}]}``, one per item in order:
    a user who is not in the event's session, an unknown user or email, a bad response value,
    or a ``sync_timestamp`` older than the RSVP already stored is a failed row; the others are
    saved.
``DELETE /learn/v1/enrollments`` (unenroll from learning plans, or from courses) [S: body keys
from third-party code; answer key from the Connect doc]
    Body: ``user_ids`` and ``learningplan_ids`` (``learning_plan_ids`` too), ``reset_tracks``,
    ``cascade_unenroll_from_courses_in_selected_learning_plan`` (``unenroll_from_courses``
    too), or ``user_ids`` and ``course_ids`` for courses. Cascading removes the user's
    enrollments in the plan's courses, except courses of another plan the user stays enrolled in
    [S]; ``reset_tracks`` without cascading puts those course enrollments back to ``subscribed``
    with no progress, score or time. Answer ``{"data": {"unenrolled": [<user id>, ...],
    "errors": [...]}}``.

Webhook events (``GET /_sandbox/events``) [S: the sample payload of course.enrollment.created;
the others I]
-------------------------------------------------------------------------------------------
Every body has Docebo's common properties ``message_id`` (``wh-<yyyymmdd>-<event id>``),
``webhook_id`` (1), ``original_domain`` (``lmsbridge-sandbox.docebosaas.com``), ``event``,
``fired_by_batch_action`` (true for ``POST``/``DELETE /learn/v1/enrollments``) and ``payload``:
``course.enrollment.created`` (``fired_at``, ``user_id``, ``username``, ``course_id``,
``course_name``, ``level``, ``enrollment_date``, ``enrollment_date_begin_validity``,
``enrollment_date_end_validity``, ``subscribed_by_id``, ``status``),
``course.enrollment.deleted`` (``fired_at``, ``user_id``, ``username``, ``course_id``,
``course_name``, ``unenrollment_date``), ``ilt.session.enrollment.created`` (``fired_at``,
``user_id``, ``username``, ``course_id``, ``course_name``, ``session_id``, ``session_name``,
``enrollment_date``, ``level``, ``waiting``), ``learningplan.enrollment.deleted``
(``fired_at``, ``user_id``, ``username``, ``learning_plan_id``, ``learning_plan_name``,
``learning_plan_code``, ``unenrollment_date``), followed by one ``course.enrollment.deleted``
per course the cascade removed. Learner activity (``POST /_sandbox/activity``, ``activity.py``)
records ``course.enrollment.completed`` (``fired_at``, ``user_id``, ``username``, ``course_id``,
``course_name``, ``completion_date``, ``score``, ``status``) when a learner completes a course.

Webhook deliveries (``sandbox.webhooks``) [V: JSON POSTed to a URL, per webhook a chosen list
of events; I: the rest]: Docebo sets webhooks up in its admin console, not through its API, so
the sandbox takes them at ``POST /_sandbox/webhooks {"vendor": "docebo", "url", "events",
"secret"?}``; ``events`` is required (one or more of the five above), as the console requires
it. The delivered body is the event's body above. Docebo's delivery signature is not in our
sources [I]: a webhook given a ``secret`` is signed ``X-Docebo-Signature: sha256=<hex
HMAC-SHA256(secret, raw body)>``, one without is unsigned. The older limits (five enabled
webhooks of eight events, Enterprise plan) are not enforced. Batch actions send one delivery
per event (Docebo's batch payload shape is unknown).

Capacity and the waiting list [I]
---------------------------------
A course may carry ``max_enrollments`` (in its item; null when unlimited). Enrolling into a
full course (or full session) enrolls the user with status ``waiting`` and answers
``"waiting": true`` (``1`` for a session). Levels render as ``learner``, ``tutor``,
``instructor``, ``coach`` (3, 4, 6, 7 [I]) [V: the strings, from Docebo's published schema].

Statuses stored (the vocabulary of Docebo's enrollment import): ``waiting``, ``to_confirm``,
``subscribed``, ``in_progress``, ``completed``, ``suspended``, ``overbooking``. Levels: 3 learner,
4 tutor, 6 instructor, 7 coach; rendered as their strings (``student`` is read as 3).

Seeding: the scenario's neutral states map to ``waiting`` (a third of the waiting classroom and
webinar enrollments are ``overbooking``), ``pending_approval`` to ``to_confirm``,
``not_started`` to ``subscribed``, ``passed`` and ``completed`` to ``completed``, ``withdrawn``
to ``suspended``, and ``failed`` to ``in_progress`` below 100%: Docebo has no failed course
status; a learner who failed the final test is still in the course. Due dates are the validity
end dates. Internal enrollment ids (``deleted_enrollment``) are never reused.
"""

from sandbox.vendors.docebo.models import DoceboBackend

__all__ = ["DoceboBackend"]
