"""The scripting commands: ``connections``, ``enroll``, ``unenroll``, ``bulk``, ``export`` and
``reconcile``, over the operations layer of :mod:`core.operations`.

Connections come from the config file (``--config FILE``, else the user's ``config.toml``); with
none, from the embedded sandbox, started in this process on a free port of 127.0.0.1 with the
same state the terminal UI uses. Results go to stdout: a readable table on a terminal, JSON lines
(``--format json``) or CSV (``--format csv``) otherwise, one record per item. Progress goes to
stderr, on a terminal only. Errors are one line on stderr. Exit codes:

    0    every item succeeded (created, already enrolled, removed, not enrolled)
    1    nothing could be done: a bad config, an unreachable connection, an unreadable file
    2    a usage error
    3    partial failure: some items were invalid or failed (the report says which)
    130  interrupted (Ctrl-C); a bulk run's journal is intact, and running it again resumes
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from core.capabilities import EnrollOption
from core.config import Config, ConfigError, load_config
from core.connections import Connection
from core.connector import Connector
from core.errors import LmsError
from core.models import Course, Enrollment, User
from core.operations import (
    Action,
    ItemReport,
    Journal,
    Outcome,
    Plan,
    Request,
    Verdict,
    execute,
    plan,
    summarize,
)
from core.reconcile import reconcile
from core.view import LocalView

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

#: CSV column -> enroll option, and how its text is read
OPTION_COLUMNS: dict[str, tuple[EnrollOption, Callable[[str], Any]]] = {}


class CommandError(Exception):
    """Something the command cannot do; its message is the one line the user sees."""


def _date(value: str) -> date | datetime:
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or an ISO date-time)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _bool(value: str) -> bool:
    text = value.strip().lower()
    if text in {"1", "true", "yes", "y"}:
        return True
    if text in {"0", "false", "no", "n", ""}:
        return False
    raise ValueError(f"not yes or no: {value!r}")


def _hours(value: str) -> int:
    try:
        hours = int(value)
    except ValueError:
        raise ValueError(f"not a whole number of hours: {value!r}") from None
    if hours < 1:
        raise ValueError(f"due period must be at least one hour, not {hours}")
    return hours


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("empty")
    return value.strip()


OPTION_COLUMNS.update(
    {
        "due_date": (EnrollOption.DUE_AT, _date),
        "access_date": (EnrollOption.VALID_FROM, _date),
        "valid_until": (EnrollOption.VALID_UNTIL, _date),
        "level": (EnrollOption.LEVEL, _text),
        "session": (EnrollOption.SESSION, _text),
        "mandatory": (EnrollOption.MANDATORY, _bool),
        "due_date_type": (EnrollOption.DUE_DATE_TYPE, _text),
        "due_period_hours": (EnrollOption.DUE_PERIOD_HOURS, _hours),
        "lock_after_due": (EnrollOption.LOCK_AFTER_DUE, _bool),
    }
)
USER_COLUMNS = ("user", "user_email", "email", "user_id")
COURSE_COLUMNS = ("course", "course_id", "course_code", "code")


# -- the parser ----------------------------------------------------------------------------------


def add_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the scripting commands to the ``lmsbridge`` parser's subcommands."""

    def common(sub: argparse.ArgumentParser, *, connection: bool = True) -> None:
        sub.add_argument(
            "--config",
            type=Path,
            metavar="FILE",
            default=argparse.SUPPRESS,
            help="the config file (default: config.toml in the user config directory)",
        )
        if connection:
            sub.add_argument(
                "--connection", "-c", required=True, metavar="NAME", help="the connection to use"
            )
        sub.add_argument(
            "--format",
            choices=("text", "json", "csv"),
            help="output format (default: text on a terminal, json when piped)",
        )

    connections = commands.add_parser(
        "connections",
        help="list the configured connections",
        description="List the "
        "connections of the config file (or the embedded sandbox's) and whether each is ready.",
    )
    common(connections, connection=False)

    for name, verb in (("enroll", "Enroll"), ("unenroll", "Unenroll")):
        sub = commands.add_parser(
            name,
            help=f"{name} users in courses",
            description=f"{verb} every --user in every --course. Users by id or email, courses "
            "by id, code or title. Safe to repeat: an enrolled pair is reported, never doubled.",
        )
        common(sub)
        sub.add_argument("--user", "-u", action="append", required=True, metavar="REF")
        sub.add_argument("--course", action="append", required=True, metavar="REF")
        sub.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
        if name == "enroll":
            for column, (option, _) in OPTION_COLUMNS.items():
                flag = "--" + column.replace("_", "-")
                sub.add_argument(flag, dest=f"option_{column}", metavar=option.upper())

    bulk = commands.add_parser(
        "bulk",
        help="enroll or unenroll the rows of a CSV file",
        description="Columns: user (id or email), course (id, code or title), optional action "
        "(enroll or unenroll) and options: " + ", ".join(OPTION_COLUMNS) + ". A run that is "
        "interrupted or partly fails resumes when started again: only what is left is done.",
    )
    common(bulk)
    bulk.add_argument("file", type=Path, metavar="FILE.csv")
    bulk.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    bulk.add_argument("--concurrency", type=int, default=8, metavar="N")
    bulk.add_argument("--journal-dir", type=Path, metavar="DIR", help="where run journals live")

    export = commands.add_parser(
        "export",
        help="export users, courses or enrollments",
        description="Write every record of one kind of a connection, as CSV or JSON lines.",
    )
    common(export)
    export.add_argument("kind", choices=("users", "courses", "enrollments"))
    export.add_argument("--output", "-o", type=Path, metavar="FILE", help="default: stdout")

    rec = commands.add_parser(
        "reconcile",
        help="compare the enrollments of two connections",
        description="Match people by email and courses by code or title across two "
        "connections, and list the enrollments that differ.",
    )
    common(rec, connection=False)
    rec.add_argument("a", metavar="A")
    rec.add_argument("b", metavar="B")


# -- running -------------------------------------------------------------------------------------


@dataclass
class Output:
    format: str
    stream: IO[str]
    progress: bool

    @classmethod
    def of(cls, args: argparse.Namespace) -> Output:
        tty = sys.stdout.isatty()
        return cls(args.format or ("text" if tty else "json"), sys.stdout, sys.stderr.isatty())

    def records(self, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
        if self.format == "json":
            for row in rows:
                self.stream.write(orjson.dumps(row, default=_json_default).decode() + "\n")
        elif self.format == "csv":
            writer = csv.DictWriter(self.stream, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(row.get(k)) for k in columns})
        else:
            widths = {c: max([len(c), *(len(_cell(r.get(c))) for r in rows)]) for c in columns}
            widths = {c: min(w, 48) for c, w in widths.items()}
            self.stream.write("  ".join(c.ljust(widths[c]) for c in columns).rstrip() + "\n")
            for row in rows:
                cells = (_cell(row.get(c))[: widths[c]].ljust(widths[c]) for c in columns)
                self.stream.write("  ".join(cells).rstrip() + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A line for a person: on stderr, so piped output stays records only."""
        print(text, file=sys.stderr)


def run_command(args: argparse.Namespace, sandbox_options: Callable[[], Any]) -> int:
    """Run a scripting command; the exit code."""
    output = Output.of(args)
    try:
        return asyncio.run(_dispatch(args, output, sandbox_options))
    except (CommandError, ConfigError, LmsError) as err:
        output.note(f"lmsbridge: error: {err}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        output.note("lmsbridge: interrupted; run the same command again to resume")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


async def _dispatch(
    args: argparse.Namespace, output: Output, sandbox_options: Callable[[], Any]
) -> int:
    path = getattr(args, "config", None)
    config = load_config(path, explicit=path is not None)
    async with _connections(config, sandbox_options) as source:
        command = args.command
        if command == "connections":
            return _list_connections(source, output)
        if command == "reconcile":
            return await _reconcile(source, args, output)
        connection = source.connection(args.connection)
        async with connection.connector() as connector:
            if command == "export":
                return await _export(connection, connector, args, output)
            requests = _requests_of(args)
            tenant = source.tenant(connection)
            return await _operate(connection, connector, requests, tenant, args, output)


@dataclass
class Source:
    """Where the connections come from: the config, or the embedded sandbox's."""

    config: Config | None
    sandbox: list[Connection]
    #: where the embedded sandbox keeps its state ("" in memory: nothing to resume)
    sandbox_state: str = ""

    def tenant(self, connection: Connection) -> str | None:
        """What identifies the tenant a connection reaches, for naming run journals; None
        when runs against it cannot be resumed (an in-memory sandbox)."""
        if self.config is not None:
            return f"{connection.name} {connection.base_url}"
        return f"{connection.name} sandbox {self.sandbox_state}" if self.sandbox_state else None

    def names(self) -> list[str]:
        return self.config.names() if self.config else [c.name for c in self.sandbox]

    def connection(self, name: str) -> Connection:
        if self.config is not None:
            return self.config.connection(name)
        for connection in self.sandbox:
            if connection.name == name:
                return connection
        known = ", ".join(self.names())
        raise CommandError(f"no connection named {name!r} (known: {known})")


@asynccontextmanager
async def _connections(
    config: Config | None, sandbox_options: Callable[[], Any]
) -> AsyncIterator[Source]:
    if config is not None:
        yield Source(config, [])
        return
    from platformdirs import user_log_path

    from core.connections import sandbox_connections
    from sandbox.app import create_app, sandbox_credentials, sandbox_of
    from sandbox.server import SandboxServer, SandboxStartError

    options = sandbox_options()
    try:
        app = create_app(options)
        server = SandboxServer(
            app, host="127.0.0.1", port=0, log_file=user_log_path("lmsbridge") / "sandbox.log"
        )
        await asyncio.to_thread(server.start)
    except SandboxStartError as err:
        raise CommandError(str(err)) from None
    try:
        directory = sandbox_of(app).directory
        state = str(directory.resolve()) if directory is not None else ""
        yield Source(None, sandbox_connections(sandbox_credentials(app, server.base_url)), state)
    finally:
        await asyncio.to_thread(server.stop)


def _list_connections(source: Source, output: Output) -> int:
    rows = []
    if source.config is None:
        for connection in source.sandbox:
            rows.append(
                {
                    "name": connection.name,
                    "vendor": connection.vendor,
                    "base_url": connection.base_url,
                    "status": "ready (embedded sandbox)",
                }
            )
    else:
        for spec in source.config.connections:
            try:
                source.config.connection(spec.name)
                status = "ready"
            except ConfigError as err:
                status = str(err).rsplit(": ", 1)[-1]
            rows.append(
                {
                    "name": spec.name,
                    "vendor": spec.vendor,
                    "base_url": spec.base_url,
                    "status": status,
                }
            )
    output.records(rows, ("name", "vendor", "base_url", "status"))
    return EXIT_OK


def _requests_of(args: argparse.Namespace) -> list[Request]:
    if args.command == "bulk":
        return read_csv(args.file)
    action = Action(args.command)
    given = {c: v for c in OPTION_COLUMNS if (v := getattr(args, f"option_{c}", None)) is not None}
    try:
        options = _read_options(given)
    except OptionValueError as err:
        raise CommandError(f"--{err.column.replace('_', '-')}: {err.reason}") from None
    return [Request(action, u, c, options) for u in args.user for c in args.course]


class OptionValueError(ValueError):
    """An enroll option whose text cannot be read: the column it came from and why."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


def _read_options(given: Mapping[str, str]) -> dict[EnrollOption, Any]:
    """Enroll options from their text, by column name, each read as ``OPTION_COLUMNS`` says."""
    options: dict[EnrollOption, Any] = {}
    for column, text in given.items():
        option, read = OPTION_COLUMNS[column]
        try:
            options[option] = read(text)
        except ValueError as err:
            raise OptionValueError(column, str(err)) from None
    return options


def read_csv(path: Path) -> list[Request]:
    """The rows of a bulk file; a malformed row is one error naming its line, before anything
    is sent."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise CommandError(
            f"{path}: cannot read it: {getattr(err, 'strerror', None) or err}"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if not header:
        raise CommandError(f"{path}: empty file; the first line names the columns")
    reader.fieldnames = header
    user_column = next((c for c in USER_COLUMNS if c in header), None)
    course_column = next((c for c in COURSE_COLUMNS if c in header), None)
    if user_column is None or course_column is None:
        raise CommandError(f"{path}, line 1: needs a user column and a course column")
    known = {*USER_COLUMNS, *COURSE_COLUMNS, "action", *OPTION_COLUMNS}
    unknown = [c for c in header if c not in known]
    if unknown:
        raise CommandError(f"{path}, line 1: unknown column {unknown[0]!r}")
    requests = []
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise CommandError(f"{path}, line {line}: more cells than columns")
            user, course = (
                (row.get(user_column) or "").strip(),
                (row.get(course_column) or "").strip(),
            )
            if not user and not course and not any((v or "").strip() for v in row.values()):
                continue  # a blank line
            if not user or not course:
                raise CommandError(f"{path}, line {line}: the user and the course are required")
            action_text = (row.get("action") or "enroll").strip().lower()
            if action_text not in {"enroll", "unenroll"}:
                raise CommandError(f"{path}, line {line}: action must be enroll or unenroll")
            given = {c: v for c in OPTION_COLUMNS if (v := row.get(c)) is not None and v.strip()}
            try:
                options = _read_options(given)
            except OptionValueError as err:
                raise CommandError(f"{path}, line {line}: {err}") from None
            requests.append(Request(Action(action_text), user, course, options))
    except csv.Error as err:
        raise CommandError(f"{path}, line {reader.line_num}: {err}") from None
    if not requests:
        raise CommandError(f"{path}: no rows")
    return requests


async def _load(connection: Connection, connector: Connector, output: Output) -> LocalView:
    def progress(kind: str, count: int) -> None:
        if output.progress:
            sys.stderr.write(f"\r{connection.name}: loading {kind} {count:,}\x1b[K")
            sys.stderr.flush()

    view = await LocalView.load(connector, progress)
    if output.progress:
        sys.stderr.write("\r\x1b[K")
    return view


async def _operate(
    connection: Connection,
    connector: Connector,
    requests: list[Request],
    tenant: str | None,
    args: argparse.Namespace,
    output: Output,
) -> int:
    view = await _load(connection, connector, output)
    made = plan(tenant or connection.name, connector, view, requests)
    if args.dry_run:
        output.records([plan_row(made, i) for i in range(len(made.items))], PLAN_COLUMNS)
        counts = made.counts()
        output.note(
            "dry run: "
            + ", ".join(f"{counts[v]} {v}" for v in Verdict if counts[v])
            + "; nothing was changed"
        )
        return EXIT_PARTIAL if counts[Verdict.INVALID] else EXIT_OK
    journal = None
    if args.command == "bulk" and tenant is not None:
        from platformdirs import user_state_path

        directory = args.journal_dir or user_state_path("lmsbridge") / "runs"
        journal = Journal.for_plan(directory, made)
        if journal.done:
            output.note(f"resuming: {len(journal.done)} rows were done by an earlier run")

    def on_result(report: ItemReport, done: int, total: int) -> None:
        if output.progress:
            sys.stderr.write(f"\r{connection.name}: {done:,}/{total:,} done\x1b[K")
            sys.stderr.flush()

    concurrency = max(1, min(getattr(args, "concurrency", 8), 32))
    reports = await execute(
        made, connector, view, concurrency=concurrency, journal=journal, on_result=on_result
    )
    if output.progress:
        sys.stderr.write("\r\x1b[K")
    output.records([report_row(r) for r in reports], REPORT_COLUMNS)
    outcomes = summarize(reports)
    output.note(", ".join(f"{outcomes[o]} {o.replace('_', ' ')}" for o in Outcome if outcomes[o]))
    return EXIT_OK if all(r.outcome.ok for r in reports) else EXIT_PARTIAL


PLAN_COLUMNS = ("row", "action", "user", "course", "plan", "reason")
REPORT_COLUMNS = ("row", "action", "user", "course", "outcome", "message", "enrollment_id")


def plan_row(made: Plan, index: int) -> dict[str, Any]:
    item = made.items[index]
    return {
        "row": index + 1,
        "action": str(item.request.action),
        "user": item.user_label or item.request.user,
        "course": item.course_label or item.request.course,
        "plan": str(item.verdict),
        "reason": item.reason or "",
    }


def report_row(report: ItemReport) -> dict[str, Any]:
    return {
        "row": report.index + 1,
        "action": str(report.request.action),
        "user": report.user_label or report.request.user,
        "course": report.course_label or report.request.course,
        "outcome": str(report.outcome),
        "message": report.message,
        "enrollment_id": report.enrollment_id or "",
    }


EXPORT_COLUMNS = {
    "users": ("id", "remote_id", "name", "email", "username", "status", "created_at", "updated_at"),
    "courses": ("id", "remote_id", "code", "title", "type", "status", "language", "updated_at"),
    "enrollments": (
        "id",
        "user_id",
        "user_name",
        "user_email",
        "course_id",
        "course_title",
        "status",
        "progress_percent",
        "score",
        "due_at",
        "enrolled_at",
        "completed_at",
        "is_mandatory",
    ),
}


def export_row(kind: str, record: User | Course | Enrollment) -> dict[str, Any]:
    """One record as the row ``export`` writes for its kind (``EXPORT_COLUMNS[kind]``)."""
    if kind == "users":
        assert isinstance(record, User)
        return {
            "id": record.id,
            "remote_id": record.remote_id,
            "name": record.name,
            "email": record.primary_email,
            "username": record.username,
            "status": record.status,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }
    if kind == "courses":
        assert isinstance(record, Course)
        return {
            "id": record.id,
            "remote_id": record.remote_id,
            "code": record.code,
            "title": record.title,
            "type": record.type,
            "status": record.status,
            "language": record.language,
            "updated_at": record.updated_at,
        }
    assert isinstance(record, Enrollment)
    e = record
    return {
        "id": e.id,
        "user_id": e.user.id,
        "user_name": e.user.name,
        "user_email": e.user.emails[0].email if e.user.emails else None,
        "course_id": e.course.id,
        "course_title": e.course.title,
        "status": str(e.status),
        "progress_percent": e.progress_percent,
        "score": e.score,
        "due_at": e.due_at,
        "enrolled_at": e.enrolled_at,
        "completed_at": e.completed_at,
        "is_mandatory": e.is_mandatory,
    }


async def _export(
    connection: Connection, connector: Connector, args: argparse.Namespace, output: Output
) -> int:
    listing: AsyncIterator[User | Course | Enrollment]
    if args.kind == "users":
        listing = connector.list_users()
    elif args.kind == "courses":
        listing = connector.list_courses()
    else:
        listing = connector.list_enrollments()
    rows = [export_row(args.kind, record) async for record in listing]
    fmt = (
        args.format if args.format in ("csv", "json") else ("csv" if args.output else output.format)
    )
    if fmt == "text" and args.output is None:
        output.records(rows, EXPORT_COLUMNS[args.kind])
        return EXIT_OK
    with _destination(args.output, output) as stream:
        Output(fmt if fmt != "text" else "csv", stream, False).records(
            rows, EXPORT_COLUMNS[args.kind]
        )
    if args.output is not None:
        output.note(f"{len(rows):,} {args.kind} written to {args.output}")
    return EXIT_OK


@contextmanager
def _destination(path: Path | None, output: Output) -> Iterator[IO[str]]:
    """stdout, or a file written whole or not at all (a temporary file renamed at the end)."""
    if path is None:
        yield output.stream
        return
    with write_whole(path) as stream:
        yield stream


@contextmanager
def write_whole(path: Path) -> Iterator[IO[str]]:
    """A file written whole or not at all: a temporary file beside it, renamed at the end; an
    error leaves the old file (if any) as it was and raises ``CommandError``."""
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        temporary.replace(path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"{path}: cannot write it: {err.strerror or err}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_records(
    path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str
) -> None:
    """Rows to a file as ``export`` writes them (``csv``, or ``json``: one object a line),
    whole or not at all."""
    with write_whole(path) as stream:
        Output(fmt, stream, False).records(rows, columns)


async def _reconcile(source: Source, args: argparse.Namespace, output: Output) -> int:
    a, b = source.connection(args.a), source.connection(args.b)
    async with a.connector() as ca, b.connector() as cb:
        view_a, view_b = await asyncio.gather(_load(a, ca, output), _load(b, cb, output))
    result = reconcile(view_a, view_b)
    rows = [d.as_dict() for d in result.differences]
    output.records(rows, ("kind", "email", "course", "a_status", "b_status", "a_due", "b_due"))
    counts = result.counts()
    output.note(
        f"A = {a.name}, B = {b.name}: {result.matched_people:,} people and "
        f"{result.matched_courses:,} courses matched, {result.compared_pairs:,} enrollments "
        "compared; " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
    )
    return EXIT_OK


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)
