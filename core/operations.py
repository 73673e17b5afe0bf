"""One set of enrollment operations over every connector: plan, then execute, safely.

Every operation is a list of requests ("enroll this user in this course", "unenroll...") that is
first **planned** against a :class:`~core.view.LocalView` of the connection, which resolves each
user (id, remote id or email) and course (id, remote id, code or title) and sorts every request
into what will happen::

    create     enroll a pair that is not enrolled            -> created | failed
    exists     enroll a pair that is enrolled already        -> already_enrolled (no call)
    remove     unenroll a pair that is enrolled              -> removed | failed
    absent     unenroll a pair that is not enrolled          -> not_enrolled (no call)
    invalid    unknown user or course, an option or operation the vendor does not support
                                                             -> invalid (no call)

Options are checked against the connector's declared capabilities before any request is made. The
plan is the dry run; :func:`execute` carries it out with bounded concurrency. The connectors
already retry what the vendor refused before acting (429 and 503 with ``Retry-After``, refused
connections); what is left is the write whose answer was lost (a timeout, a dropped connection,
a 5xx after the vendor may have acted). Such a write is never sent blind a second time: the
pair is looked up at the vendor first, and only sent again when it is still not there. A vendor
that answers "already enrolled" (Docebo's 409, the existing record from Kombo, iSpring and
LMS365) gives ``already_enrolled``. So an enroll never creates a duplicate, and repeating a run
is safe.

A :class:`Journal` records each finished item, fsynced, in a file named after the tenant and the
run's content; running the same requests again with the same journal skips what is done and
does only what is left (the plan is made afresh against a fresh view, so a write that landed
just before an interruption is seen as done). A run that ends with nothing failed discards its
journal: running the same requests later plans them afresh. Cancellation (Ctrl-C) stops
scheduling, lets nothing half-write the journal, and leaves it valid.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import orjson

from core.capabilities import Capabilities, EnrollOption, Operation
from core.connector import Connector
from core.errors import (
    ApiError,
    ConflictError,
    LmsConnectionError,
    LmsError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from core.models import Enrollment, EnrollmentStatus
from core.view import LocalView, UnknownReference

T = TypeVar("T")


class Action(StrEnum):
    ENROLL = "enroll"
    UNENROLL = "unenroll"


class Verdict(StrEnum):
    CREATE = "create"
    EXISTS = "exists"
    REMOVE = "remove"
    ABSENT = "absent"
    INVALID = "invalid"


class Outcome(StrEnum):
    CREATED = "created"
    ALREADY_ENROLLED = "already_enrolled"
    REMOVED = "removed"
    NOT_ENROLLED = "not_enrolled"
    INVALID = "invalid"
    FAILED = "failed"

    @property
    def ok(self) -> bool:
        return self not in (Outcome.INVALID, Outcome.FAILED)


#: the outcome of a verdict that needs no call
_SETTLED = {
    Verdict.EXISTS: Outcome.ALREADY_ENROLLED,
    Verdict.ABSENT: Outcome.NOT_ENROLLED,
    Verdict.INVALID: Outcome.INVALID,
}


@dataclass(frozen=True, slots=True)
class Request:
    """One thing to do: a user and a course as the caller names them, and enroll options."""

    action: Action
    user: str
    course: str
    options: Mapping[EnrollOption, Any] = field(default_factory=dict)
    #: ``options_key`` and ``key``, made once (planning, chunking and the journal ask often)
    _keys: tuple[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        options = ",".join(f"{k}={v}" for k, v in sorted(self.options.items()))
        key = f"{self.action}\x1f{self.user}\x1f{self.course}\x1f{options}"
        object.__setattr__(self, "_keys", (options, key))

    @property
    def options_key(self) -> str:
        """The options as one string: requests with the same options have the same one."""
        return self._keys[0]

    @property
    def key(self) -> str:
        """What identifies the request in a journal (the same request twice is one item)."""
        return self._keys[1]


@dataclass(slots=True)
class PlanItem:
    index: int
    request: Request
    verdict: Verdict
    user_id: str | None = None
    course_id: str | None = None
    user_label: str = ""
    course_label: str = ""
    reason: str | None = None


@dataclass(slots=True)
class Plan:
    tenant: str
    vendor: str
    items: list[PlanItem]

    def counts(self) -> dict[Verdict, int]:
        counts = dict.fromkeys(Verdict, 0)
        for item in self.items:
            counts[item.verdict] += 1
        return counts

    @property
    def run_id(self) -> str:
        """A name for the run from its connection and requests: the same run, the same id."""
        digest = hashlib.sha256(f"{self.tenant}\x1e{self.vendor}".encode())
        for item in self.items:
            digest.update(item.request.key.encode() + b"\x1e")
        return digest.hexdigest()[:20]


@dataclass(slots=True)
class ItemReport:
    index: int
    request: Request
    outcome: Outcome
    message: str = ""
    user_label: str = ""
    course_label: str = ""
    enrollment_id: str | None = None
    #: whether the outcome was read from the journal of an earlier run
    resumed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "action": str(self.request.action),
            "user": self.request.user,
            "course": self.request.course,
            "outcome": str(self.outcome),
            "message": self.message,
            "enrollment_id": self.enrollment_id,
        }


# -- planning ----------------------------------------------------------------------------------


def plan(tenant: str, connector: Connector, view: LocalView, requests: Sequence[Request]) -> Plan:
    """Sort every request into what will happen, against the view; nothing is sent.

    ``tenant`` names the connection and where it points (a run's journal is named after it and
    the requests, so the same file run against another tenant is another run)."""
    capabilities = connector.capabilities
    display = connector_display_name(connector)
    items: list[PlanItem] = []
    seen: dict[str, int] = {}
    for index, request in enumerate(requests):
        item = PlanItem(index=index, request=request, verdict=Verdict.INVALID)
        items.append(item)
        key = request.key
        if key in seen:
            item.reason = f"the same request as row {seen[key] + 1}"
            continue
        seen[key] = index
        operation = Operation.ENROLL if request.action is Action.ENROLL else Operation.UNENROLL
        if not capabilities.supports(operation):
            item.reason = f"{request.action} is not supported by {display}"
            continue
        unsupported = [str(o) for o in request.options if o not in capabilities.enroll_options]
        if request.action is Action.UNENROLL and request.options:
            item.reason = "unenroll takes no options"
            continue
        if unsupported:
            item.reason = f"option {', '.join(unsupported)} is not supported by {display}"
            continue
        bad_value = _bad_option_value(request.options, capabilities)
        if bad_value:
            item.reason = bad_value
            continue
        try:
            user = view.find_user(request.user)
            course = view.find_course(request.course)
        except UnknownReference as err:
            item.reason = str(err)
            continue
        item.user_id, item.course_id = user.id, course.id
        item.user_label = user.primary_email or user.name or user.id
        item.course_label = course.title
        enrolled = _is_enrolled(view.enrollment_of(user.id, course.id))
        if request.action is Action.ENROLL:
            item.verdict = Verdict.EXISTS if enrolled else Verdict.CREATE
        else:
            item.verdict = Verdict.REMOVE if enrolled else Verdict.ABSENT
    _mark_repeated_pairs(items)
    return Plan(tenant=tenant, vendor=connector.vendor, items=items)


def _bad_option_value(options: Mapping[EnrollOption, Any], capabilities: Capabilities) -> str:
    """Why an option's value is refused before any call ("" when it is fine)."""
    level = options.get(EnrollOption.LEVEL)
    if level is not None and capabilities.levels and str(level).lower() not in capabilities.levels:
        return f"level {level!r} is not one of {', '.join(capabilities.levels)}"
    kind = options.get(EnrollOption.DUE_DATE_TYPE)
    if kind is not None and str(kind) not in capabilities.due_date_types:
        allowed = ", ".join(capabilities.due_date_types) or "none"
        return f"due date type {kind!r} is not one of {allowed}"
    return ""


def _mark_repeated_pairs(items: list[PlanItem]) -> None:
    """Two writes to one pair in one run (say an enroll with a due date and one without) would
    race each other: the second is refused, naming the first."""
    first: dict[tuple[str, str], int] = {}
    for item in items:
        if item.user_id is None or item.course_id is None or item.verdict is Verdict.INVALID:
            continue
        pair = (item.user_id, item.course_id)
        if pair in first:
            item.verdict = Verdict.INVALID
            item.reason = f"the same user and course as row {first[pair] + 1}"
        else:
            first[pair] = item.index


def _is_enrolled(enrollment: Enrollment | None) -> bool:
    """A withdrawn enrollment (Kombo's DROPPED, a deleted record) counts as not enrolled."""
    return enrollment is not None and enrollment.status is not EnrollmentStatus.WITHDRAWN


def connector_display_name(connector: Connector) -> str:
    name = getattr(connector, "display_name", None)
    return name if isinstance(name, str) and name else connector.vendor


# -- the journal -------------------------------------------------------------------------------


#: seconds a journal waits for more finished items before an fsync that they all share
SYNC_WINDOW = 0.01


class Journal:
    """Finished items of a run, one JSON line each, fsynced before the item counts as done.

    A torn last line (the process died while writing it) is ignored when the journal is read.
    :func:`execute` appends each chunk's lines with one write (:meth:`write`) and then waits for
    :meth:`sync`: one ``fsync``, in a thread so the other requests go on meanwhile, covers every
    line written before it started and in the ``SYNC_WINDOW`` before it (group commit), rather
    than one ``fsync`` per item (a thread hand-off and a disk flush each, which cost a bulk run
    of single-pair calls more CPU than the rest of the operations layer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, dict[str, Any]] = {}
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raw = b""
        for line in raw.splitlines():
            try:
                entry = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                self.done[entry["key"]] = entry
        self._fd: int | None = None
        #: lines written so far, and how many of them an fsync has made durable
        self._written = 0
        self._synced = 0
        self._sync_lock: asyncio.Lock | None = None
        self._fsync: asyncio.Future[None] | None = None

    @classmethod
    def for_plan(cls, directory: Path, plan: Plan) -> Journal:
        return cls(directory / f"{plan.run_id}.jsonl")

    def finished(self, request: Request) -> dict[str, Any] | None:
        entry = self.done.get(request.key)
        if entry is None or entry.get("outcome") == Outcome.FAILED:
            return None  # failures are tried again
        return entry

    def write(self, reports: Sequence[ItemReport]) -> None:
        """Append the reports' lines with one write; durable once :meth:`sync` returns."""
        entries = [{"key": report.request.key, **report.as_dict()} for report in reports]
        data = memoryview(b"".join(orjson.dumps(entry) + b"\n" for entry in entries))
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        while data:
            data = data[os.write(self._fd, data) :]
        for entry in entries:
            self.done[entry["key"]] = entry
        self._written += len(entries)

    async def sync(self) -> None:
        """Wait until every line written so far is on disk. Callers that arrive while an
        fsync runs wait for it and then share the next one."""
        target = self._written
        if self._sync_lock is None:
            self._sync_lock = asyncio.Lock()
        async with self._sync_lock:
            if self._synced >= target or self._fd is None:
                return
            # the lines of items finishing just now join this fsync: at most one per window
            await asyncio.sleep(SYNC_WINDOW)
            upto = self._written
            loop = asyncio.get_running_loop()
            self._fsync = loop.run_in_executor(None, os.fsync, self._fd)
            # shielded: a cancelled caller leaves the fsync to finish before the file closes
            await asyncio.shield(self._fsync)
            self._synced = max(self._synced, upto)

    def record(self, report: ItemReport) -> None:
        """Append one report and fsync it, at once (outside a run's event loop)."""
        self.write([report])
        assert self._fd is not None
        os.fsync(self._fd)
        self._synced = self._written

    async def aclose(self) -> None:
        """Close the file once an fsync still running (its caller cancelled) is over."""
        if self._fsync is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._fsync
            self._fsync = None
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        """Forget a run that is over: the next run of the same requests plans afresh."""
        self.close()
        self.path.unlink(missing_ok=True)
        self.done.clear()


# -- execution ---------------------------------------------------------------------------------

#: called after each finished item: (the item's report, items finished, items in all)
OnResult = Callable[[ItemReport, int, int], None]


async def execute(
    plan: Plan,
    connector: Connector,
    view: LocalView,
    *,
    concurrency: int = 8,
    journal: Journal | None = None,
    on_result: OnResult | None = None,
) -> list[ItemReport]:
    """Carry out a plan; one report per item, in the plan's order.

    ``concurrency`` workers take the chunks in order, so at most that many calls are in
    flight. Enrolls go in batches where the connector has a batch call
    (``enroll_batch_size``), one learner list per course and options; a learner the batch left
    out is sent alone. A chunk counts as finished (``on_result``) once its journal lines are
    on disk; its worker goes on meanwhile. A rate limit the connector could not wait out
    pauses every worker for the vendor's ``Retry-After`` (or a growing backoff) before the
    item is tried again. Items the journal has finished are reported from it (``resumed``)
    and not sent again."""
    reports: list[ItemReport | None] = [None] * len(plan.items)
    total = len(plan.items)
    finished = 0

    def announce(batch: Sequence[ItemReport]) -> None:
        nonlocal finished
        for item_report in batch:
            finished += 1
            if on_result is not None:
                on_result(item_report, finished, total)

    async def settle(batch: Sequence[ItemReport]) -> None:
        """Report ``batch`` once its journal lines (written already) are on disk."""
        assert journal is not None
        await journal.sync()
        announce(batch)

    def finish(
        batch: Sequence[ItemReport], journaled: Sequence[ItemReport], group: asyncio.TaskGroup
    ) -> None:
        """Keep ``batch``; write ``journaled`` (those of it to record) to the journal and
        report the batch once they are durable, while the worker goes on to its next chunk."""
        for item_report in batch:
            reports[item_report.index] = item_report
        if journal is None or not journaled:
            announce(batch)
        else:
            journal.write(journaled)
            group.create_task(settle(batch))

    pending: list[PlanItem] = []
    settled: list[ItemReport] = []
    to_record: list[ItemReport] = []
    for item in plan.items:
        previous = journal.finished(item.request) if journal is not None else None
        if previous is not None:
            settled.append(_from_journal(item, previous))
        elif item.verdict in _SETTLED:
            report = _report(item, _SETTLED[item.verdict], item.reason or _settled_text(item))
            settled.append(report)
            to_record.append(report)
        else:
            pending.append(item)

    chunks = iter(_chunks(pending, connector.enroll_batch_size))
    pacer = _Pacer()

    async def worker(group: asyncio.TaskGroup) -> None:
        # ``concurrency`` workers share the chunks, in order: no task waits per chunk
        for chunk in chunks:
            if len(chunk) == 1:
                chunk_reports = [await _carry_out(chunk[0], connector, view, pacer)]
            else:
                chunk_reports = await _enroll_chunk(chunk, connector, view, pacer)
            finish(chunk_reports, chunk_reports, group)

    try:
        async with asyncio.TaskGroup() as group:
            finish(settled, to_record, group)
            for _ in range(max(1, concurrency)):
                group.create_task(worker(group))
    finally:
        if journal is not None:
            await journal.aclose()
    done = [report for report in reports if report is not None]
    if journal is not None and all(r.outcome is not Outcome.FAILED for r in done):
        journal.discard()  # nothing is left to resume
    return done


def _chunks(items: list[PlanItem], batch_size: int) -> list[list[PlanItem]]:
    """Each unenroll alone; enrolls grouped by course and options, ``batch_size`` at most."""
    if batch_size <= 1:
        return [[item] for item in items]
    chunks: list[list[PlanItem]] = []
    groups: dict[tuple[str | None, str], list[PlanItem]] = {}
    for item in items:
        if item.verdict is not Verdict.CREATE:
            chunks.append([item])
            continue
        options = item.request.options_key
        group = groups.setdefault((item.course_id, options), [])
        group.append(item)
        if len(group) == batch_size:
            chunks.append(group)
            groups[(item.course_id, options)] = []
    chunks.extend(group for group in groups.values() if group)
    return chunks


class _Pacer:
    """Holds every worker back while the vendor has asked for a pause."""

    def __init__(self) -> None:
        self.until = 0.0

    async def wait(self) -> None:
        # A pause may be lengthened while a worker sleeps: look again after each sleep.
        loop = asyncio.get_running_loop()
        while (delay := self.until - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self.until = max(self.until, loop.time() + seconds)


#: how many times a rate-limited item is tried again after the connector's own retries
RATE_LIMIT_ROUNDS = 6
#: how many times a write whose answer was lost is sent, each after a lookup found it not done
#: (two in a row are lost 1.4% of the time when 12% of the answers are: too often for a run of
#: hundreds of items, measured by tests/reliability/test_faults_sync.py)
LOST_ANSWER_ATTEMPTS = 4
MAX_PAUSE = 60.0


async def _paced(pacer: _Pacer, call: Callable[[], Awaitable[T]]) -> T:
    for round_ in range(RATE_LIMIT_ROUNDS + 1):
        await pacer.wait()
        try:
            return await call()
        except RateLimitError as err:
            if round_ == RATE_LIMIT_ROUNDS:
                raise
            wait = err.retry_after if err.retry_after is not None else 2.0**round_
            pacer.pause(min(wait, MAX_PAUSE))
    raise AssertionError("unreachable")  # pragma: no cover


async def _carry_out(
    item: PlanItem, connector: Connector, view: LocalView, pacer: _Pacer
) -> ItemReport:
    assert item.user_id is not None and item.course_id is not None
    if item.verdict is Verdict.CREATE:
        return await _enroll(item, connector, view, pacer, item.user_id, item.course_id)
    return await _unenroll(item, connector, view, pacer, item.user_id, item.course_id)


async def _enroll(
    item: PlanItem,
    connector: Connector,
    view: LocalView,
    pacer: _Pacer,
    user_id: str,
    course_id: str,
) -> ItemReport:
    options = dict(item.request.options) or None
    for attempt in range(LOST_ANSWER_ATTEMPTS):
        try:
            enrollment = await _paced(
                pacer,
                lambda: connector.enroll(user_id=user_id, course_id=course_id, options=options),
            )
        except ConflictError:
            found = await _lookup(connector, user_id, course_id)
            if found is not None:
                view.put(found)
            return _report(item, Outcome.ALREADY_ENROLLED, "already enrolled", found)
        except (LmsConnectionError, ServerError) as err:
            # The answer was lost: the vendor may have enrolled. Look before sending again.
            try:
                found = await _lookup(connector, user_id, course_id)
            except LmsError as lookup_error:
                return _report(item, Outcome.FAILED, _text(lookup_error))
            if found is not None:
                view.put(found)
                return _report(item, Outcome.CREATED, "enrolled", found)
            if attempt == LOST_ANSWER_ATTEMPTS - 1:
                return _report(item, Outcome.FAILED, _text(err))
            continue
        except LmsError as err:
            return _report(item, Outcome.FAILED, _text(err))
        view.put(enrollment)
        return _report(item, Outcome.CREATED, _enrolled_text(enrollment), enrollment)
    raise AssertionError("unreachable")  # pragma: no cover


async def _enroll_chunk(
    items: list[PlanItem], connector: Connector, view: LocalView, pacer: _Pacer
) -> list[ItemReport]:
    """Several learners into one course with one batch call; where the vendor refuses the
    batch, or leaves a learner out of its answer, that learner alone, so that every item gets
    its own answer."""
    course_id = items[0].course_id
    assert course_id is not None
    user_ids = [item.user_id for item in items if item.user_id is not None]
    options = dict(items[0].request.options) or None
    try:
        enrollments = await _paced(
            pacer,
            lambda: connector.enroll_batch(user_ids=user_ids, course_id=course_id, options=options),
        )
    except (LmsConnectionError, ServerError):
        # The answer was lost: keep what landed, send the rest one by one.
        try:
            landed = await _lookup_many(connector, user_ids, course_id)
        except LmsError:
            landed = {}
        reports = []
        for item in items:
            assert item.user_id is not None
            if item.user_id in landed:
                view.put(landed[item.user_id])
                reports.append(_report(item, Outcome.CREATED, "enrolled", landed[item.user_id]))
            else:
                reports.append(await _carry_out(item, connector, view, pacer))
        return reports
    except LmsError:
        return [await _carry_out(item, connector, view, pacer) for item in items]
    by_user = {e.user.id: e for e in enrollments if e.course.id == course_id}
    reports = []
    for item in items:
        found = by_user.get(item.user_id or "")
        if found is None:
            # refused in the batch, or not listed after it: asked again alone, for its own
            # answer (an enroll never duplicates: the vendor refuses or returns the pair)
            reports.append(await _carry_out(item, connector, view, pacer))
        else:
            view.put(found)
            reports.append(_report(item, Outcome.CREATED, _enrolled_text(found), found))
    return reports


async def _unenroll(
    item: PlanItem,
    connector: Connector,
    view: LocalView,
    pacer: _Pacer,
    user_id: str,
    course_id: str,
) -> ItemReport:
    for attempt in range(LOST_ANSWER_ATTEMPTS):
        try:
            await _paced(pacer, lambda: connector.unenroll(user_id=user_id, course_id=course_id))
        except NotFoundError:
            view.remove(user_id, course_id)
            return _report(item, Outcome.NOT_ENROLLED, "not enrolled")
        except (LmsConnectionError, ServerError) as err:
            try:
                found = await _lookup(connector, user_id, course_id)
            except LmsError as lookup_error:
                return _report(item, Outcome.FAILED, _text(lookup_error))
            if found is None or not _is_enrolled(found):
                view.remove(user_id, course_id)
                return _report(item, Outcome.REMOVED, "unenrolled")
            if attempt == LOST_ANSWER_ATTEMPTS - 1:
                return _report(item, Outcome.FAILED, _text(err))
            continue
        except LmsError as err:
            return _report(item, Outcome.FAILED, _text(err))
        view.remove(user_id, course_id)
        return _report(item, Outcome.REMOVED, "unenrolled")
    raise AssertionError("unreachable")  # pragma: no cover


async def _lookup_many(
    connector: Connector, user_ids: Sequence[str], course_id: str
) -> dict[str, Enrollment]:
    """The enrolled enrollments in one course of these users, as the vendor has them now (a
    user's last record listed is theirs; a withdrawn one counts as none)."""
    wanted = set(user_ids)
    last: dict[str, Enrollment] = {}
    async for enrollment in connector.list_enrollments(
        user_ids=list(user_ids), course_ids=[course_id]
    ):
        if enrollment.user.id in wanted and enrollment.course.id == course_id:
            last[enrollment.user.id] = enrollment
    return {user: found for user, found in last.items() if _is_enrolled(found)}


async def _lookup(connector: Connector, user_id: str, course_id: str) -> Enrollment | None:
    """The pair's enrollment as the vendor has it now, or None."""
    return (await _lookup_many(connector, [user_id], course_id)).get(user_id)


def _report(
    item: PlanItem, outcome: Outcome, message: str, enrollment: Enrollment | None = None
) -> ItemReport:
    return ItemReport(
        index=item.index,
        request=item.request,
        outcome=outcome,
        message=message,
        user_label=item.user_label,
        course_label=item.course_label,
        enrollment_id=enrollment.id if enrollment is not None else None,
    )


def _from_journal(item: PlanItem, entry: Mapping[str, Any]) -> ItemReport:
    report = _report(item, Outcome(entry["outcome"]), str(entry.get("message") or ""))
    report.enrollment_id = entry.get("enrollment_id")
    report.resumed = True
    return report


def _settled_text(item: PlanItem) -> str:
    return {Verdict.EXISTS: "already enrolled", Verdict.ABSENT: "not enrolled"}.get(
        item.verdict, ""
    )


def _enrolled_text(enrollment: Enrollment) -> str:
    if enrollment.status is EnrollmentStatus.ASSIGNED:
        return "enrolled (on the waiting list)"
    return "enrolled"


def _text(err: LmsError) -> str:
    """One readable line for an error (never a secret: connector errors carry none)."""
    if isinstance(err, ApiError):
        code = f" ({err.code})" if err.code else ""
        return f"{err.message}{code} [HTTP {err.status}]"
    return err.message


def summarize(reports: Iterable[ItemReport]) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for report in reports:
        counts[report.outcome] += 1
    return counts
