"""LMS365 (Learn365 by Zensai) Cloud API emulation, OData v4, mounted at ``/lms365``.

The base URL ``http://127.0.0.1:8765/lms365`` replaces ``https://api.365.systems``. Ground truth:
seed 004 and ``shared/vendors.md`` section 4; Zensai help-centre articles 360015034497 (enroll),
4412917522065 (``POST Enrollments``), 13721458555165 (``PATCH Enrollments``), 5715842610717
(training plans, with a login-name example) and support.lms365.jp 20824071378457
(non-filterable properties). LMS365 publishes no schema outside tenants, so where it is silent
the emulation follows ASP.NET Core OData (Microsoft.AspNetCore.OData 8 on Microsoft.OData.Core
7) conventions. Tags: [V] verified in Zensai's docs or the seed, [S] what ASP.NET Core OData
does (its issue tracker and docs), [I] a choice made here. Choices a client could trip on are
attributes of :class:`LMS365Backend`, so tests can flip them.

Authentication
--------------
HTTP Basic, user ``api``, password an API key [V]. The tenant has two keys derived from the
scenario's seed: one with the *Full Control* permission and one *Read Only* [V: the two levels;
I: one of each]. ``GET /_sandbox/credentials`` gives ``{"base_url", "api_key"`` (Full Control),
``"read_only_api_key"}``. No or malformed credentials, a user other than ``api`` or an unknown
key: 401 with ``WWW-Authenticate: Basic realm="LMS365 API"`` [I]. The read-only key on any write
(POST, PATCH, DELETE): 403 ``Forbidden``, checked before the body is read [I].

Errors
------
The OData v4 JSON error ``{"error": {"code", "message"}}`` [S]. A query option that cannot be
read is 400 exactly as ASP.NET Core OData answers it [S: OData/AspNetCoreOData issues 1438,
473]: ``code`` ``""``, ``message`` "The query specified in the URI is not valid. <detail>",
``details`` ``[]``, ``innererror`` ``{"message": <detail>, "type":
"Microsoft.OData.ODataException", "stacktrace": ""}``; the detail uses ODataLib's wording
("Could not find a property named 'X' on type 'LMS365.Course'.", "Syntax error at position
..."). A non-filterable property in ``$filter`` or ``$orderby`` gives Entity Framework's message
[V: "The specified type member 'TimeZone' is not supported in LINQ to Entities. Only
initializers, entity members, and entity navigation properties are supported."], as a 400 with
``innererror.type`` ``System.NotSupportedException`` [I: the status]. Other errors have a code
of their own and no ``innererror`` [I]: 400 ``BadRequest`` (body, key syntax, a rule of the
action), 401 ``Unauthorized``, 403 ``Forbidden``, 404 ``NotFound`` (unknown key or route), 405
``MethodNotAllowed``, 409 ``Conflict``, 413 ``RequestEntityTooLarge``. Never a 500.

Entity sets (``/odata/v2/<Set>``, ``/odata/v2/<Set>(<guid>)``) [V: paths and key syntax]
-------------------------------------------------------------------------------------------
Keys are GUIDs in OData key syntax, ``Courses(<guid>)``; ``Courses(Id=<guid>)`` and upper case
are accepted [S]; anything else is 400 [I]. Property names are [I] except those the KBs name
(``CourseId``, ``UserId``, ``UserLoginName``, ``RegistrationDate``, ``StartDate``,
``CompletionDate``, ``DueDate``, ``CoursePassingStatus``, ``CEU``, ``CourseDuration``,
``TimeZone``, ``IsExternal``, ``TimeZoneName``, ``Room`` [V]). Date-times are
``YYYY-MM-DDTHH:MM:SSZ`` in UTC, whole seconds (written fractions are dropped) [I].

* ``Users``: ``Id``, ``LoginName``, ``Email``, ``FirstName``, ``LastName``, ``FullName``,
  ``JobTitle``, ``Department``, ``Language``, ``IsActive``, ``IsExternal`` (not filterable
  [V]), ``Created``, ``Modified``. ``LoginName`` is the SharePoint claim
  ``i:0#.f|membership|<email>`` [V: KB 5715842610717's example], matched without regard to case.
* ``Courses``: ``Id``, ``Title``, ``Description``, ``Code``, ``CourseType`` (``ELearning`` or
  ``InstructorLed``), ``EnrollmentType`` (ILT only: ``SingleSession``, ``MultipleSessions``,
  ``AllSessions``; null for e-learning) [I: names; V: the three types], ``Category``,
  ``Language``, ``Duration`` (minutes), ``CEU``, ``TimeZone`` (not filterable [V]),
  ``IsPublished``, ``Created``, ``Modified``. Navigation: ``CourseSessions``.
* ``CourseSessions``: ``Id``, ``CourseId``, ``Title``, ``Description``, ``StartDate``,
  ``EndDate``, ``TimeZoneName`` and ``Room`` (not filterable [V]), ``Location``,
  ``MeetingTool``, ``MinAttendees``, ``MaxAttendees``, ``Created``, ``Modified``. Navigation:
  ``Course``.
* ``Enrollments``: ``Id``, ``CourseId``, ``UserId``, ``UserLoginName``, ``RegistrationDate``,
  ``StartDate``, ``CompletionDate``, ``DueDate``, ``CoursePassingStatus`` (**0 Completed, 1
  Not Started, 2 In Progress** [V]), ``Progress`` (0-100), ``Score``, ``CEU``,
  ``CourseDuration``, ``CourseSessionIds`` (the sessions registered for; ``[]`` while a
  session is still to be picked) [I], ``Modified``. Navigations: ``User``, ``Course``.
* ``Groups`` [I: a sandbox addition, so clients can find group login names]: ``Id``,
  ``LoginName`` (``c:0o.c|federateddirectoryclaimprovider|<group id>``, the SharePoint claim of
  a Microsoft 365 group), ``Title`` (a department), ``Email``, ``MemberCount``, ``Created``.
  Members are the active users of the department (not rendered).
* ``GET /odata/v2``: the OData service document. ``$metadata`` is not served [I].

Responses carry ``OData-Version: 4.0`` and ``application/json; odata.metadata=minimal`` [S].

Query options [V: $filter, $select, $orderby, $top, $skip, $count, $expand; S: semantics]
------------------------------------------------------------------------------------------
Lists answer ``{"@odata.context": "<root>/$metadata#<Set>", "@odata.count"?, "value": [...],
"@odata.nextLink"?}`` in that order [S]; one entity answers ``{"@odata.context":
"...#<Set>/$entity", ...properties}``. With ``$select``/``$expand`` the context names the shape,
``#Enrollments(Id,User(Email),Course())`` [S].

* ``$filter``: ``eq ne gt ge lt le``, ``and or not``, parentheses, ``in (...)``, ``contains``,
  ``startswith``, ``endswith``, ``tolower``, ``toupper``, ``trim``, ``length``; literals
  ``'text'`` (``''`` escapes a quote), numbers, ``true``/``false``/``null``, GUIDs, dates and
  date-times (a ``+hh:mm`` offset must be URL-encoded as ``%2B``). Precedence as ODataLib:
  ``or`` < ``and`` < comparison < ``not``. Parsed by :mod:`sandbox.vendors.lms365.odata`
  (tokenizer, recursive descent, typed tree, own interpreter; never ``eval``), with ODataLib's
  limits: 100 nodes (``MaxNodeCount``) and nesting depth 50 [S/I]. Type mismatches are 400
  ("A binary operator with incompatible types was detected...") [S]. Property paths
  (``User/Email``), lambda operators and arithmetic are not emulated: 400 naming them [I].
  Strings compare without regard to case (SQL Server's default collation behind Entity
  Framework) [I: ``case_insensitive``]; null compares as C#'s lifted operators do [I].
* ``$orderby``: ``Prop [asc|desc]``, several keys; nulls first ascending [I: SQL Server]; the
  key ``Id`` is always appended, so the order is total (ASP.NET Core OData does this for
  stable paging) [S]. Default order: by ``Id`` [S].
* ``$select``: properties or ``*``, rendered in wire order; ``$expand``: navigation properties,
  each with an optional nested ``$select`` (no other nested option) [I].
* ``$top`` at most ``MAX_TOP`` = 1000 ("The limit of '1000' for Top query has been exceeded..."
  [S wording; I value]); ``$skip``; ``$count=true`` (the count of all matches, ignoring
  ``$top``/``$skip``). Options other than these and ``$skiptoken`` are 400 ("The query
  parameter '$search' is not supported."); a repeated option is 400; options without ``$`` are
  ignored (custom query options) [S]. Only ``$select``/``$expand`` on a single entity [S].
* Server-driven paging [I: size and token]: a page holds at most ``PAGE_SIZE`` = 100. When
  more follow (within ``$top``), ``@odata.nextLink`` repeats the request's options with
  ``$skip`` dropped, ``$top`` reduced by what was sent, and ``$skiptoken``: an opaque, signed
  token naming the last entity's sort key, bound to the ``$filter`` and ``$orderby``; it stays
  valid while entities are added or removed. A forged or mismatched token is 400.

``POST /odata/v2/Courses({Id})/Enroll`` ("Enrolls user or group into a Course") [V]
------------------------------------------------------------------------------------
Body ``{"userLoginName", "courseSessionIds"?: [guid], "courseSessionId"?: guid (deprecated,
still read; ``""`` is absent), "ignoreMaxAttendees"?, "ignoreEnrollmentFlow"?}`` [V]; the two
flags are accepted and change nothing (capacity and approval flows are not emulated) [I]. An
unknown parameter is 400 (ODataLib's "The parameter 'x' in the request payload is not a valid
parameter for the operation 'Enroll'.") [S]. Rules per the course's enrollment type [V seed
004, KB 360015034497]:

* e-learning: enrolled; a session id is 400 [I].
* ``SingleSession``: without a session the user is enrolled in the course only and e-mailed to
  pick one (``CourseSessionIds`` ``[]``, notification ``session_selection_required``); with
  one session, registered; two or more is 400 [I]; a user already registered for another
  session of the course is 400 [I].
* ``MultipleSessions``: registered for every session given; without any, as single [V].
* ``AllSessions``: without a session, registered for all the course's sessions (in start
  order); a specific session (or several) registers only those [V: the newer KB; the older
  one said the request fails].
* Sessions must belong to the course (400). A new enrollment answers **201** with the
  Enrollment entity (``RegistrationDate`` = now [V]) and ``Location`` [S/I]. An existing
  enrollment answers **200** with the entity: new sessions are added to it (notification
  ``session_registration``), or nothing changes (no notification) [I].
* A group's login name enrolls each member [V: "user or group"; I: the login form]; the answer
  is the collection of the members' enrollments (``#Enrollments``), 201 when any was created,
  else 200. A rule broken for one member fails the whole request, with nothing written [I].
* An unknown login name is 400, an unknown course 404 [I].

Enrollments [V: the routes; I: statuses not given by Zensai]
--------------------------------------------------------------
``POST /odata/v2/Enrollments``: ``CourseId`` and ``UserId`` and/or ``UserLoginName`` (both must
name the same user), plus any writable property; registers for no session [V KB
4412917522065]. 201 with the entity and ``Location`` [S]; already enrolled is 409 [I].
``PATCH /odata/v2/Enrollments({Id})``: ``RegistrationDate``, ``StartDate``, ``CompletionDate``,
``DueDate``, ``CoursePassingStatus``, ``CEU`` (a number, or a numeric string as the API
explorer's example sends), ``CourseDuration`` (minutes), ``Progress`` [V but Progress I].
Answers **204** with no body [V: the current KB; the older one said 200], or 200 with the
entity under ``Prefer: return=representation`` [S] (``patch_returns_entity`` makes 200 the
default). A passing status implies [I]: 0 Completed sets ``CompletionDate`` (now unless given or
already set), ``StartDate`` if missing and ``Progress`` 100; 1 Not Started clears the start and
completion dates and ``Progress``; 2 In Progress clears ``CompletionDate`` and sets a missing
``StartDate``. Values in the body win. Unknown properties, ``Id``/``CourseId``/... and invalid
values are 400, and nothing changes. ``DELETE /odata/v2/Enrollments({Id})``: unenroll, 204 [I].

Notifications (``GET /_sandbox/events?vendor=lms365``) [V: learners are e-mailed; I: body]
------------------------------------------------------------------------------------------
Every enrollment records the e-mail LMS365 sends: events ``enrollment``,
``session_selection_required``, ``session_registration`` and ``unenrollment``, each with
``{"Notification", "To", "Subject", "UserId", "UserLoginName", "CourseId", "EnrollmentId",
"CourseSessionIds"}``. PATCH sends none.

Webhooks [V: issue 9's "webhooks signed with a shared secret"; I: everything on the wire, as
Zensai documents no webhook API]: ``POST /_sandbox/webhooks {"vendor": "lms365", "url",
"events"?, "secret"?}`` subscribes to the four events above (every one by default); each is
delivered with the notification's body, signed ``X-LMS365-Signature: <base64 HMAC-SHA256(shared
secret, raw body)>``; without a ``secret`` a shared secret is derived from the scenario's seed
and answered with the subscription.

Seeding [I]
-----------
GUIDs are 128 bits of SHA-256 over (seed, kind, index), stamped as UUID v4. Users from the
world's people; courses from its courses (classroom and webinar courses are ILT, taking the
three enrollment types in turn); sessions from its sessions; enrollments from its assignments:
completed, passed -> 0; waiting, pending_approval, not_started -> 1; in_progress, failed -> 2;
withdrawn -> no enrollment (LMS365 deletes an unenrolled user's enrollment). Registration,
start, completion (status 0 only) and due dates, progress and score come from the assignment;
``CEU`` is one per ten hours of the course; an ILT assignment with a session is registered for
it (for ``AllSessions`` courses, for every session); ``waiting``/``pending_approval`` ones have
no session yet. One group per department, of its active users.
"""

from sandbox.vendors.lms365.models import LMS365Backend

__all__ = ["LMS365Backend"]
