"""A bulk run stopped mid-way (Ctrl-C, or killed outright) resumes when started again and ends
with every pair enrolled exactly once, read back from the vendor."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: enough rows that the run is still going when it is stopped: Docebo's connector enrolls up to
#: 100 learners of a course with one call, so 400 rows were five calls that could all finish
#: between two looks at the journal
ROWS = 2000


def command(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tui.cli", "--data", str(data), *args]


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(data, *args), capture_output=True, text=True, timeout=300)


def export(data: Path, kind: str) -> list[dict[str, str]]:
    result = run(data, "export", kind, "-c", "sandbox-docebo", "--format", "csv")
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL])
def test_stopped_bulk_resumes_and_enrolls_each_pair_once(
    tmp_path: Path, stop: signal.Signals
) -> None:
    data = tmp_path / "state"
    users = [u["id"] for u in export(data, "users")]
    courses = [c["id"] for c in export(data, "courses") if c["type"] == "elearning"]
    enrolled = {(e["user_id"], e["course_id"]) for e in export(data, "enrollments")}
    pairs = [(u, c) for c in courses for u in users if (u, c) not in enrolled][:ROWS]
    assert len(pairs) == ROWS
    bulk = tmp_path / "rows.csv"
    with bulk.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user", "course"])
        writer.writerows(pairs)
    journal_dir = tmp_path / "runs"
    args = ["bulk", str(bulk), "-c", "sandbox-docebo", "--journal-dir", str(journal_dir)]

    process = subprocess.Popen(
        command(data, *args, "--concurrency", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and process.poll() is None:
        journals = list(journal_dir.glob("*.jsonl"))
        done = len(journals[0].read_bytes().splitlines()) if journals else 0
        if done >= 20:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be stopped"
    os.kill(process.pid, stop)
    _, err = process.communicate(timeout=60)
    if stop is signal.SIGINT:
        assert process.returncode == 130, err
        assert "interrupted; run the same command again to resume" in err
        assert "Traceback" not in err
    else:
        assert process.returncode == -signal.SIGKILL
    (journal,) = journal_dir.glob("*.jsonl")
    finished = [json.loads(line) for line in journal.read_bytes().splitlines()]
    assert 20 <= len(finished) < ROWS

    again = run(data, *args)
    assert again.returncode == 0, again.stderr
    report = [json.loads(line) for line in again.stdout.splitlines()]
    assert len(report) == ROWS
    assert {r["outcome"] for r in report} <= {"created", "already_enrolled"}
    after = export(data, "enrollments")
    for user, course in pairs:
        assert sum(1 for e in after if (e["user_id"], e["course_id"]) == (user, course)) == 1
