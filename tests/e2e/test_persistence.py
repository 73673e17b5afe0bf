"""State on disk: acknowledged writes survive SIGKILL, a clean stop compacts into TinyDB."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
from tinydb import TinyDB

from sandbox.server import find_free_port
from sandbox.store import JOURNAL, SNAPSHOT
from tests.e2e.processes import start, wait_healthy

ENROLLMENTS = "/docebo/course/v1/courses/enrollments"


def running(data: Path) -> tuple[subprocess.Popen[str], httpx.Client]:
    port = find_free_port()
    process = start("--port", str(port), data=data)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process)
    creds = httpx.get(f"{url}/_sandbox/credentials").json()["docebo"]
    token = httpx.post(
        f"{creds['base_url']}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        },
    ).json()["access_token"]
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return process, client


def pairs(client: httpx.Client) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    page = 1
    while True:
        data = client.get(ENROLLMENTS, params={"page": page, "page_size": 200}).json()["data"]
        found |= {(item["user_id"], item["course_id"]) for item in data["items"]}
        if not data["has_more_data"]:
            return found
        page += 1


def free_pairs(client: httpx.Client, count: int) -> list[tuple[int, int]]:
    taken = pairs(client)
    users = client.get("/docebo/manage/v1/user", params={"page_size": 200}).json()["data"]["items"]
    course_ids = [
        c["id_course"]
        for c in client.get("/docebo/learn/v1/courses", params={"page_size": 200}).json()["data"][
            "items"
        ]
    ]
    free = [
        (int(u["user_id"]), c)
        for u in users
        for c in course_ids
        if (int(u["user_id"]), c) not in taken
    ]
    return free[:count]


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    process, client = running(tmp_path)
    try:
        before = pairs(client)
        added = free_pairs(client, 20)
        for user_id, course_id in added:
            answer = client.post(f"/docebo/learn/v1/enrollments/{course_id}/{user_id}", json={})
            assert answer.status_code == 200
        removed = next(iter(before))
        assert client.delete(f"/docebo/learn/v1/enrollments/{removed[1]}/{removed[0]}").is_success
    finally:
        client.close()
        kill(process)

    process, client = running(tmp_path)
    try:
        assert pairs(client) == (before | set(added)) - {removed}
    finally:
        client.close()
        kill(process)


def test_clean_stop_compacts_into_tinydb_file(tmp_path: Path) -> None:
    process, client = running(tmp_path)
    try:
        ((user_id, course_id),) = free_pairs(client, 1)
        client.post(f"/docebo/learn/v1/enrollments/{course_id}/{user_id}", json={})
    finally:
        client.close()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert (tmp_path / JOURNAL).read_bytes().count(b"\n") == 1  # only the header is left
    with TinyDB(tmp_path / SNAPSHOT) as db:
        found = db.table("docebo.enrollments").search(
            lambda doc: (doc["user_id"], doc.get("course_id")) == (user_id, course_id)
        )
    assert len(found) == 1


def test_second_sandbox_on_same_data_is_one_line_error(tmp_path: Path) -> None:
    process, client = running(tmp_path)
    try:
        second = start("--port", str(find_free_port()), data=tmp_path)
        _out, err = second.communicate(timeout=60)
        assert second.returncode != 0
        assert len(err.strip().splitlines()) == 1, err
        assert "in use by another sandbox" in err
    finally:
        client.close()
        kill(process)


def test_saved_state_gains_tables_of_a_new_vendor(tmp_path: Path) -> None:
    from sandbox.app import SandboxConfig, create_app, sandbox_of

    app = create_app(SandboxConfig(data_dir=tmp_path))
    store = sandbox_of(app).store
    kept = dict(store.tables["docebo.users"])
    others = {name: docs for name, docs in store.tables.items() if name.startswith("docebo.")}
    store.replace_all(others)  # as saved by a version that knew only Docebo
    sandbox_of(app).close()

    again = create_app(SandboxConfig(data_dir=tmp_path))
    counts = sandbox_of(again).counts()
    sandbox_of(again).close()
    assert set(counts) >= {"docebo", "kombo"}
    assert all(sum(tables.values()) for vendor, tables in counts.items() if vendor != "sandbox")
    assert sandbox_of(again).store.tables["docebo.users"] == kept
