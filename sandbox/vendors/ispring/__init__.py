"""iSpring Learn REST API emulation, mounted at ``/ispring``.

The base URL ``http://127.0.0.1:8765/ispring`` replaces ``https://api-learn.ispring.com``. The
ground truth is iSpring's published OpenAPI 3.0 document "Learn Rest Api" v3.0 (kept beside the
checkout in ``shared/vendor-specs/``, never copied here); then seed 003 (``POST /enrollment``) and
``shared/vendors.md`` section 3. Tags: [V] the document, iSpring's help pages or the seed say so;
[S] a secondary source; [I] inferred here, where iSpring is silent. Every answer's JSON validates
against the document's schema for its operation and status (``tests/contract/
test_ispring_schema.py``).

Authentication
--------------
``POST /api/v3/token``, a form body (``application/x-www-form-urlencoded``, or multipart):
``client_id``, ``client_secret``, ``grant_type=client_credentials`` [V]. 200 ``{"access_token":
"<43 url-safe chars>", "expires_in": 1800, "token_type": "bearer"}`` [V]; a missing field or
another grant is 400, unknown credentials 401 [I]. A token lives 30 minutes on the sandbox clock
and is then simply invalid: no refresh token [V]. Every other route takes it as ``Authorization:
Bearer <token>`` (the document's ``bearerAuth``) or as the bare ``Authorization: <token>`` that
seed 003 and many help pages show [V both; accepting both, I]. Missing, unknown or expired: 401
with ``WWW-Authenticate: Bearer``. Tokens live in memory: after a restart clients fetch a new
one, as after any 401.

Two API clients are seeded, each bound to a user of the account: an **account administrator**
(``credentials()``: ``client_id``, ``client_secret``) who sees and enrolls everyone, and a
**department administrator** (``department_client_id``, ``department_client_secret``, keys the
core connectors ignore) who manages the largest department of the world. A department
administrator sees, enrolls and changes only learners of the departments they manage **and their
sub-departments**; any other learner is 403 [V seed 003, help pages of every list]. So: user,
department and enrollment lists and learner results are filtered to that scope;
``GET /user/{id}``, ``GET /department/{id}``, ``GET /enrollment/{id}``, an update, reenroll or
delete of an enrollment of an outside learner, and ``POST /enrollment`` with any outside learner
are 403 (the whole call, nothing written). Content is account-wide and visible to both [I].

Formats [V: every operation documents application/json and application/xml both ways]
------------------------------------------------------------------------------------------
Answers follow ``Accept`` (q-values honoured); when it names neither JSON nor XML (absent,
``*/*``, ``text/html``), they are **XML**, as the help pages' samples without ``Accept`` show [I,
vendors.md 3.2]. Bodies follow ``Content-Type``; without one, a body starting with ``<`` is XML,
else JSON [I]. XML answers have the root ``<response>``; element names and list wrapping follow
the document's ``xml`` annotations (``formats.LISTS``): ``<response><enrollments><enrollment>..``
for paged lists, ``<response><enrollment>..<enrollment>..`` for the unpaged ``GET /enrollment``
and ``GET /department``, ``<response><userProfile>..`` for ``GET /user`` and ``GET
/user/{id}``, ``<userRole>`` repeated and ``<manageableDepartmentIds><id>..`` wrapped inside a
profile. (The older help pages show ``<response><response>`` around each enrollment; the
document's schemas win [I].) XML bodies have the root ``<request>``; list fields are accepted
wrapped (``<courseIds><id>..</id></courseIds>``, seed 003) or repeated (``<courseIds>..
</courseIds><courseIds>..``, the document's unwrapped ``ListEnrollmentsRequest``). XML is parsed
with defusedxml and any DTD is refused, so entity expansion (billion laughs) and external
entities are 400 and never evaluated. Malformed XML or JSON, another root, a JSON body that is
not an object: 400.

Errors
------
``{"code": <HTTP status>, "message": "<text>"}`` (``ErrorResponse``; XML ``<response><code>..
<message>..``) for 400, 401, 403, 404, 405 (with ``Allow``), 409 and 413 (a body over 1 MiB), in
the negotiated format. ``code`` repeats the status [I: iSpring's codes are undocumented]. A
malformed UUID (path, query or body) is 400; an unknown id is 404, in a path or a body alike [I:
the document declares 404 for unknown ids in the bodies of ``MoveUsersToDepartment``, and its
shared ``NotFound`` response]. Unknown paths are 404.

Paging
------
``pageSize`` (default 1000 [V]; values above 1000 are clamped to 1000, below 1 or not a number
are 400 [I]) and ``pageToken``; an answer carries ``nextPageToken`` only when another page
follows. Tokens are opaque, signed and bound to the filters (and the caller's scope) they were
issued for: forged or reused with other filters, 400. They name a position, so they survive
writes. Order: creation order. In ``POST /enrollments`` and ``POST /users/v2`` / ``POST
/contents`` the paging fields may be in the body (the document types ``ListEnrollmentsRequest.
pageToken`` as an integer; tokens are strings here, as ``nextPageToken`` is [I]). Array query
parameters are read in every form clients send: ``courseIds[]=a&courseIds[]=b``, ``courseIds=a
&courseIds=b`` and ``courseIds=a,b``.

Dates
-----
Stored as UTC. ``Enrollment`` dates are ``YYYY-MM-DD`` (``format: date`` [V, help page samples]);
``LearnerResult``, user and content dates are RFC 3339 (``2026-11-01T09:30:00+00:00``, as the
content samples show [V]). ``lastLoginDate`` is required by the document even for users who never
logged in: ``""`` then [I]. Request dates accept ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS`` (seed
003) and RFC 3339; no offset means UTC. A bare due date is due at the end of that day (23:59:59
UTC) [I].

Routes (``operationId``)
------------------------
``GET /user`` (GetUsers), ``GET /user/v2`` (GetUsersV2): every user, unpaged; filters
``departments[]``, ``groups[]``, ``logins[]``, ``emails[]``. ``GET /users`` (ListUsers,
deprecated by iSpring, served), ``GET /users/v2`` (ListUsersV2, also ``userIds[]``), ``POST
/users/v2`` (ListUsersV2ByPost: the filters in the body): paged ``{userProfiles,
nextPageToken}``. ``GET /user/{userId}`` (GetUserProfile), ``GET /user/{userId}/v2``:
``{"response": <profile>}``. Profiles: ``userId``, ``role`` (``learner``, ``administrator``,
``department_administrator``), ``roleId``, ``departmentId``, ``status``, ``fields`` (``login``,
``email``, ``first_name``, ``last_name``, ``job_title``), ``addedDate``, ``lastLoginDate``,
``manageableDepartmentIds`` (department administrators), ``userRoles``, ``subordination``,
``coSubordination``. Status: v2 answers 1 active, 3 inactive, 5 terminated; v1 answers 3 for
both of the last [V vendors.md 3.4]. The account has no groups: a group filter matches no one.
Filters match exactly (a department filter does not take in sub-departments) [I].

``GET /department`` (GetDepartments, ``code`` filter, unpaged ``{departments}``), ``GET
/departments`` (ListDepartments, paged), ``GET /department/{departmentId}`` (GetDepartment:
``{"response": <department>}``). The tree: the company's root department, the world's
departments under it, and two regional sub-departments (``<name> North``/``South``) under each of
the three largest; ``parentDepartmentId`` links them.

``GET /content`` (GetContent: a JSON array, ``contentTypes`` filter), ``GET /contents``
(ListContent, paged, ``contentItemIds[]``, ``contentTypes``), ``POST /contents``
(ListContentByPost), ``GET /content/{contentId}`` (GetContentItem: ``{"contentItem": ..}``).
Every world course is a ``Course`` and every learning plan a ``LearningTrack`` [V content
types]; ``type`` repeats the type (the help pages' samples show ``<type>Course</type>``);
``viewType``, required by the schema but never described, is ``"default"`` [I]. ``X-Target-
Locale`` is accepted and ignored.

``POST /enrollment`` (EnrollLearnersInCourses) [V seed 003]: ``courseIds``*, ``learnerIds``*
(several of each: every pair is enrolled), ``dueDateType``* ``unlimited | default | due_date |
due_period``, ``dueDate`` (required for ``due_date``), ``duePeriod`` (hours, >= 1, required for
``due_period``), ``accessDate`` (default: now), ``lockAfterDueDate`` (default false). Fields a
type does not use are ignored (the seed's sample sends ``dueDate`` and ``duePeriod`` with
``unlimited``). ``default`` is the course's default due period, seeded per course (none, 7, 14 or
30 days; none gives no due date; a learning track has none) [I]. A due date before the access
date is 400 [I]. **A (course, learner) pair already enrolled is left as it is**: no duplicate, no
change, no event, and the call is still 201 [I: iSpring documents no conflict for this call, and
changing an enrollment has its own operations]. 201 with no body [V]. Enrollments made by the API
have ``enrollmentTypeGroup`` 0 (assigned by an administrator) [V].

``GET /enrollment`` (GetEnrollments: unpaged ``{enrollments}``; ``courseIds[]``,
``learnerIds[]``, ``enrollmentIds[]``), ``GET /enrollments`` (ListEnrollments, paged, same
filters), ``POST /enrollments`` (ListEnrollmentsByPost: the filters and paging in the body),
``GET /enrollment/{enrollmentId}`` (GetEnrollment: the ``Enrollment`` itself in JSON,
``<response><enrollment>`` in XML, as the document has it). ``Enrollment``: ``enrollmentId``,
``courseId``, ``learnerId``, ``accessDate``, ``dueDate`` (only with a due date),
``expirationDate`` (only with a due date and the lock on), ``shouldLockAfterDueDate`` (a
boolean, as the schema types it; help pages say 0/1), ``certificate`` (``issuedCertificateId``,
``issueDate``, ``expiryDate`` when it expires; only when one was issued), ``enrollmentTypeGroup``
(0 assigned by an administrator, 1 self-enrolled from the catalog) [V].

``POST /enrollment/{enrollmentId}`` (ChangeEnrollment): ``accessDate``*, ``dueDateType``*,
``dueDate``, ``duePeriod``, ``lockAfterDueDate``; the schedule is replaced, progress kept; 200
with no body [V]. ``POST /enrollment/{enrollmentId}/reenroll`` (Reenroll): the same body; the
learner starts over: ``not_started``, no progress, score, time, views, completion date or
certificate, the new schedule, the same ``enrollmentId`` [I]; 200 with no body. Reenrolling an
enrollment that was never started (not started, no progress) is **409**: there is nothing to
start over [I: the operation declares no conflict answer; the body has the shape of the
document's shared ``ConflictResponse``; iSpring re-enrolls completed learners].
``POST /enrollment/delete`` (Unenroll): ``{"enrollmentIds": [...]}``; every id must be known and
in scope before anything is deleted; 204 [V]. Deleted enrollments are gone from every
list [V].

``GET /learners/results`` (ListLearnerResults), paged ``{results, nextPageToken}``: one
``LearnerResult`` per enrollment (courses and learning tracks): ``userId``, ``courseId``,
``courseTitle``, ``enrollmentId``, ``accessDate``, ``dueDate``, ``expirationDate``,
``completionDate``, ``duration`` (the course's length in seconds [I]), ``timeSpent`` (seconds),
``completionStatus``, ``awardedScore`` and ``passingScore`` (80 for courses with a test) when the
learner has a score, ``progress`` (0-100), ``isOverdue``, ``viewsCount``. Filters [V]:
``userIds``, ``courseIds``, ``departmentIds``, ``enrollmentIds``, ``completionStatuses`` (the nine
statuses; another is 400), ``completionDate``/``accessDate``/``dueDate`` as
``name[startDate]``/``name[endDate]`` (either bound alone), ``userStatuses`` (1, 3, 5; **active
users only by default** [V help page]). ``isOverdue``: a due date earlier than the sandbox clock
and a status that is not final (``complete``, ``passed``, ``accepted``, ``failed``,
``declined``) [I].

Seeding (deterministic: every id is a UUID hashed from the scenario's seed, a kind and an index)
-----------------------------------------------------------------------------------------------
Users: an administrator ``admin`` (the account administrator's API client acts as them) in the
root department, then every person of the world in their department (people of a split
department spread over it and its regions); the world's admins are ``administrator``s, the first
active learner of each split department is its ``department_administrator`` (the department
client acts as the first of them); inactive people are inactive (3) or terminated (5), alike in
v1. Assignments become course enrollments and plan enrollments learning-track enrollments; the
neutral states map to ``completionStatus``: ``waiting``, ``pending_approval`` and
``not_started`` -> ``not_started``, ``in_progress`` -> ``in_progress``, ``completed`` ->
``complete``, ``passed`` -> ``passed``, ``failed`` -> ``failed``, and ``withdrawn`` assignments
are not listed at all (iSpring lists no archived or deleted enrollments [V]). Access date: the
assignment's start of validity, else its assignment date; due date: its due date, locked unless
the course is a soft-deadline one; self-enrolled assignments are ``enrollmentTypeGroup`` 1;
completed and passed learners of every other course hold a certificate (valid a year on every
fourth course).

Webhook events (``GET /_sandbox/events``) [V subscription types; body I: iSpring does not publish
its delivery payload]
-------------------------------------------------------------------------------------------
Only writes that have an iSpring subscription type record an event: ``LEARNERS_ENROLLED_IN_COURSE``
once per course of a ``POST /enrollment`` that enrolled someone new, and ``COURSE_STATUS_CHANGED``
for a reenroll. ChangeEnrollment and Unenroll have no subscription type in iSpring and record
nothing. Body: ``{"eventId": <uuid>, "subscriptionType", "accountUrl", "occurredAt" (RFC 3339),
"payload"}``; ``LEARNERS_ENROLLED_IN_COURSE`` payload ``{"courseId", "courseTitle", "enrolledBy"
(the acting user), "learners": [{"userId", "enrollmentId", "accessDate", "dueDate"}]}``;
``COURSE_STATUS_CHANGED`` payload ``{"userId", "courseId", "courseTitle", "enrollmentId",
"previousStatus", "status"}``.

Webhook subscribers (``webhooks.py``) [V: the document's ``webhook`` operations and bodies; S:
the ``X-Hub-Signature`` header; I: the rest, as iSpring documents no flow or payload]
--------------------------------------------------------------------------------------------
``POST /webhook/register {subscriberName, callbackUrl, secret?}`` registers a subscriber,
unconfirmed, and delivers a confirmation code to ``callbackUrl`` (event ``CONFIRMATION_CODE``,
body ``{"subscriberName", "accountUrl", "confirmationCode": "<6 digits>"}``); ``POST
/webhook/code/send {subscriberName}`` sends a new one (the old one stops working); ``POST
/webhook/confirm {subscriberName, code}`` confirms (a wrong code is 400 "Invalid confirmation
code"). ``POST /webhook/subscribe {subscriberName, subscription: {subscriptionType, params?:
[{name, value}]}}`` adds a type of the document's enum (again: its params are replaced; params
are kept and listed, not applied); ``POST /webhook/unsubscribe {subscriberName,
subscriptionType}`` (404 when not subscribed); ``GET /webhook/subscription/list?subscriberName=``
answers the ``Subscription`` array (XML ``<response><subscription>..<params><param>``); ``POST
/webhook/enable`` / ``disable``; ``POST /webhook/settings/change {subscriberName, callbackUrl,
secret?}`` (a new URL is unconfirmed again and sent a new code; no ``secret`` keeps the old);
``POST /webhook/remove``; ``GET /webhook/subscriber/info?subscriberName=`` answers
``GetSubscriberInfoResponse``: ``subscriberStatus`` ACTIVE unless disabled,
``confirmationStatus``, ``notificationProcessStatus`` ACTIVE when enabled, confirmed and
subscribed to a type (SUSPENDED is never answered). Every operation answers 200 with no body
on success, 404 for an unknown subscriber, 400 for a name already registered or a bad body
(JSON or XML); only the account administrator may call them (a department administrator is
403). Only confirmed, enabled subscribers get events, those of the types they subscribed to;
only ``LEARNERS_ENROLLED_IN_COURSE`` and ``COURSE_STATUS_CHANGED`` ever fire. A subscriber with
a ``secret`` gets every delivery (the code too) signed ``X-Hub-Signature: sha256=<hex
HMAC-SHA256(secret, raw body)>``; one without, unsigned. Subscribers live in the platform's
registry (``sandbox.webhooks``): ``GET /_sandbox/webhooks`` lists them and a reset drops them.
"""

from sandbox.vendors.ispring.models import ISpringBackend

__all__ = ["ISpringBackend"]
