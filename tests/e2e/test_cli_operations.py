"""The scripting commands as a user runs them: a real process, the embedded sandbox over TCP,
state kept in a data directory between runs."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "do-not-print-this-3f9a"


def lmsbridge(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "--data", str(data), *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **(env or {})},
    )


def records(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox-state")


@pytest.fixture(scope="module")
def directory(data: Path) -> dict[str, list[dict[str, str]]]:
    """The iSpring tenant's users and courses, exported as CSV."""
    found = {}
    for kind in ("users", "courses"):
        result = lmsbridge(data, "export", kind, "-c", "sandbox-ispring", "--format", "csv")
        assert result.returncode == 0, result.stderr
        found[kind] = list(csv.DictReader(io.StringIO(result.stdout)))
    return found


def test_enroll_then_again_is_already_enrolled_and_unenroll_removes(
    data: Path, directory: dict[str, list[dict[str, str]]]
) -> None:
    email = directory["users"][-1]["email"]
    course = directory["courses"][-1]["id"]
    args = ["-c", "sandbox-ispring", "--user", email, "--course", course]
    first = lmsbridge(data, "unenroll", *args)
    assert first.returncode == 0, first.stderr
    created = lmsbridge(data, "enroll", *args, "--due-date", "2027-01-31")
    assert created.returncode == 0, created.stderr
    assert [r["outcome"] for r in records(created)] == ["created"]
    again = lmsbridge(data, "enroll", *args)
    assert [r["outcome"] for r in records(again)] == ["already_enrolled"]
    removed = lmsbridge(data, "unenroll", *args)
    assert [r["outcome"] for r in records(removed)] == ["removed"]
    gone = lmsbridge(data, "unenroll", *args)
    assert [r["outcome"] for r in records(gone)] == ["not_enrolled"]


def test_bulk_reports_each_row_and_exits_partial(
    data: Path, directory: dict[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    users = [u["email"] for u in directory["users"] if u["email"]][:30]
    courses = [c["id"] for c in directory["courses"]][:2]
    path = tmp_path / "rows.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user", "course", "due_date"])
        writer.writerows([u, c, "2027-03-01"] for c in courses for u in users)
        writer.writerow(["nobody@example.invalid", courses[0], ""])
    journal = tmp_path / "runs"
    common = ["-c", "sandbox-ispring", "--journal-dir", str(journal)]
    dry = lmsbridge(data, "bulk", str(path), *common, "--dry-run")
    assert dry.returncode == 3
    plan = records(dry)
    assert len(plan) == 61
    assert plan[-1]["plan"] == "invalid" and plan[-1]["reason"] == (
        "unknown user 'nobody@example.invalid'"
    )
    run = lmsbridge(data, "bulk", str(path), *common)
    assert run.returncode == 3, run.stderr
    outcomes = [r["outcome"] for r in records(run)]
    assert outcomes.count("invalid") == 1
    assert set(outcomes[:-1]) <= {"created", "already_enrolled"}
    # the state read back from the vendor: every valid pair is enrolled, once
    export = lmsbridge(data, "export", "enrollments", "-c", "sandbox-ispring", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    emails = {u["email"]: u["id"] for u in directory["users"]}
    for course in courses:
        for user in users:
            matching = [r for r in rows if (r["user_id"], r["course_id"]) == (emails[user], course)]
            assert len(matching) == 1
    # nothing failed, so the journal is gone: the same file again is planned afresh
    assert not list(journal.glob("*.jsonl"))
    again = lmsbridge(data, "bulk", str(path), *common)
    assert "resuming" not in again.stderr
    assert [r["outcome"] for r in records(again)] == ["already_enrolled"] * 60 + ["invalid"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("user,course\nbob@example.com\n", "line 2: the user and the course are required"),
        ("user,course,due_date\na@b.c,X,31/12/2026\n", "line 2: due_date: not a date"),
        ("person,course\na,b\n", "line 1: needs a user column and a course column"),
        ("user,course,colour\na,b,red\n", "line 1: unknown column 'colour'"),
        ("user,course,action\na,b,delete\n", "line 2: action must be enroll or unenroll"),
    ],
)
def test_bulk_malformed_csv_is_one_line_and_nothing_runs(
    data: Path, tmp_path: Path, content: str, needle: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = lmsbridge(data, "bulk", str(path), "-c", "sandbox-docebo")
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert needle in line and "Traceback" not in line


def test_unenroll_on_kombo_says_not_supported(data: Path) -> None:
    result = lmsbridge(data, "unenroll", "-c", "sandbox-kombo", "--user", "x", "--course", "y")
    assert result.returncode == 3
    (row,) = records(result)
    assert row["outcome"] == "invalid"
    assert "unenroll is not supported by" in str(row["message"])


def test_config_connections_never_show_secrets(data: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[connections.acme]\nvendor = "lms365"\nbase_url = "https://acme.example"\n'
        'api_key = { env = "ACME_KEY" }\n'
        '[connections.other]\nvendor = "lms365"\nbase_url = "https://other.example"\n'
        'api_key = { env = "OTHER_KEY" }\n'
    )
    result = lmsbridge(data, "connections", "--config", str(config), env={"ACME_KEY": SECRET})
    assert result.returncode == 0, result.stderr
    rows = {str(r["name"]): r for r in records(result)}
    assert rows["acme"]["status"] == "ready"
    assert rows["other"]["status"] == "environment variable OTHER_KEY is not set"
    assert SECRET not in result.stdout + result.stderr


def test_broken_config_one_line_with_its_line(data: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[connections.acme]\nvendor = "lms365"\nbase_url = "nope"\n')
    result = lmsbridge(data, "connections", "--config", str(config))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"{config}, line 3: acme.base_url must be an http(s) URL" in line


def test_unreachable_connection_is_one_line(data: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[connections.down]\nvendor = "lms365"\nbase_url = "http://127.0.0.1:9"\n'
        'api_key = { env = "K" }\n'
    )
    result = lmsbridge(
        data, "export", "users", "-c", "down", "--config", str(config), env={"K": SECRET}
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "cannot reach http://127.0.0.1:9" in line
    assert SECRET not in result.stderr


def test_export_to_file_writes_whole_file(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "courses.json"
    result = lmsbridge(
        data, "export", "courses", "-c", "sandbox-lms365", "--format", "json", "-o", str(target)
    )
    assert result.returncode == 0, result.stderr
    lines = target.read_text().splitlines()
    assert len(lines) >= 10 and all(json.loads(line)["title"] for line in lines)
    assert not list(tmp_path.glob(".*partial"))


def test_reconcile_lists_differences(data: Path) -> None:
    result = lmsbridge(data, "reconcile", "sandbox-docebo", "sandbox-lms365", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["kind"] for r in rows} <= {
        "missing_in_a",
        "missing_in_b",
        "status",
        "due_date",
    }
    assert "people and" in result.stderr


def test_terminal_ui_with_broken_config_is_one_line(data: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[connections.acme]\nvendor = "lms365"\nbase_url = "https://a.example"\n')
    result = lmsbridge(data, "--config", str(config))
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"{config}, line 1: acme (lms365) needs api_key" in line
