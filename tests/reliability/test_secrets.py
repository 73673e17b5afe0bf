"""Secrets never show: not in what the commands print, not in anything they write under the
user's state, data, config and log directories, not in error messages; and the files that hold
them are readable by their owner alone.

The commands run in this process (``tui.cli.main``) against a sandbox served by uvicorn, with a
config whose secrets come from the environment and from the secrets file, and with every user
directory pointed at the test's own. One connection's secrets are made-up canaries the sandbox
refuses, so the error paths run too.
"""

from __future__ import annotations

import csv
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import ConfigError, load_config, write_private
from core.connections import Connection
from core.operations import Action, ItemReport, Journal, Outcome, Request
from sandbox.app import SandboxConfig, create_app, sandbox_credentials
from sandbox.server import SandboxServer
from tests.reliability.harness import SMALL_SCENARIO
from tui.cli import main

CANARY = "canary-secret-0b5e3c9d71"
CANARY_KEY = "canary-api-key-44aa19c2f0"
DIRS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[dict[str, dict[str, str]]]:
    app = create_app(SandboxConfig(scenario=SMALL_SCENARIO, memory=True))
    with SandboxServer(app) as server:
        yield sandbox_credentials(app, server.base_url)


def secret_values(creds: dict[str, dict[str, str]]) -> list[str]:
    found = [CANARY, CANARY_KEY]
    for values in creds.values():
        found += [v for k, v in values.items() if any(s in k for s in ("secret", "key", "pass"))]
    return found


@pytest.fixture
def home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: dict[str, dict[str, str]]
) -> Path:
    for name in DIRS:
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.chdir(tmp_path)
    docebo, kombo = sandbox["docebo"], sandbox["kombo"]
    ispring, lms365 = sandbox["ispring"], sandbox["lms365"]
    monkeypatch.setenv("DOCEBO_SECRET", docebo["client_secret"])
    monkeypatch.setenv("DOCEBO_PASSWORD", docebo["password"])
    monkeypatch.setenv("KOMBO_KEY", kombo["api_key"])
    monkeypatch.setenv("CANARY_SECRET", CANARY)
    config = tmp_path / "xdg_config_home" / "lmsbridge" / "config.toml"
    write_private(
        config.parent / "secrets.toml",
        f'ispring = "{ispring["client_secret"]}"\nlms365 = "{lms365["api_key"]}"\n'
        f'canary = "{CANARY_KEY}"\n',
    )
    write_private(
        config,
        f"""
[connections.docebo]
vendor = "docebo"
base_url = "{docebo["base_url"]}"
client_id = "{docebo["client_id"]}"
client_secret = {{ env = "DOCEBO_SECRET" }}
username = "{docebo["username"]}"
password = {{ env = "DOCEBO_PASSWORD" }}

[connections.kombo]
vendor = "kombo"
base_url = "{kombo["base_url"]}"
integration_id = "{kombo["integration_id"]}"
api_key = {{ env = "KOMBO_KEY" }}

[connections.ispring]
vendor = "ispring"
base_url = "{ispring["base_url"]}"
client_id = "{ispring["client_id"]}"
client_secret = {{ secret = "ispring" }}

[connections.lms365]
vendor = "lms365"
base_url = "{lms365["base_url"]}"
api_key = {{ secret = "lms365" }}

[connections.wrong-docebo]
vendor = "docebo"
base_url = "{docebo["base_url"]}"
client_id = "{docebo["client_id"]}"
client_secret = {{ env = "CANARY_SECRET" }}

[connections.wrong-lms365]
vendor = "lms365"
base_url = "{lms365["base_url"]}"
api_key = {{ secret = "canary" }}
""",
    )
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def assert_nothing_leaks(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:6]}...) shows in {where}"


def test_commands_never_show_secrets_in_output_or_written_files(
    home: Path, capsys: pytest.CaptureFixture[str], sandbox: dict[str, dict[str, str]]
) -> None:
    secrets = secret_values(sandbox)
    outputs: list[str] = []
    code, text = run(capsys, "connections")
    assert code == 0, text
    outputs.append(text)
    for name in ("docebo", "kombo", "ispring", "lms365"):
        for kind in ("users", "enrollments"):
            code, text = run(capsys, "export", kind, "-c", name, "--format", "json")
            assert code == 0, text
            outputs.append(text)
        code, text = run(capsys, "export", "courses", "-c", name, "-o", f"{name}-courses.csv")
        assert code == 0, text
        outputs.append(text)
    with open(home / "lms365-courses.csv", newline="") as handle:
        course = next(csv.DictReader(handle))["id"]
    with open(home / "rows.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user", "course"])
        writer.writerow(["nobody@example.invalid", course])
    for args in (
        ("bulk", "rows.csv", "-c", "lms365", "--dry-run"),
        ("bulk", "rows.csv", "-c", "lms365"),
        ("enroll", "-c", "docebo", "--user", "nobody@example.invalid", "--course", "1"),
        ("reconcile", "docebo", "lms365", "--format", "csv"),
    ):
        code, text = run(capsys, *args)
        assert code in (0, 3), text
        outputs.append(text)
    # refused credentials: the error says so in one line, and names no secret
    for name in ("wrong-docebo", "wrong-lms365"):
        code, text = run(capsys, "export", "users", "-c", name)
        assert code == 1 and len(text.strip().splitlines()) == 1, text
        assert "Traceback" not in text
        outputs.append(text)
    assert_nothing_leaks("\n".join(outputs), secrets, "the commands' output")
    for path in home.rglob("*"):
        if path.is_file() and path.name not in ("config.toml", "secrets.toml"):
            content = path.read_bytes().decode("utf-8", "replace")
            assert_nothing_leaks(content, secrets, str(path.relative_to(home)))


def test_embedded_sandbox_run_writes_no_client_secret(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No config: the embedded sandbox starts in this process, with its state and its log under
    the user directories; the sandbox's own credentials show in neither, nor in the output."""
    (home / "xdg_config_home" / "lmsbridge" / "config.toml").unlink()
    data = home / "xdg_data_home" / "sandbox-state"
    code, text = run(
        capsys,
        "--scenario",
        SMALL_SCENARIO,
        "--data",
        str(data),
        "export",
        "users",
        "-c",
        "sandbox-ispring",
        "--format",
        "json",
    )
    assert code == 0, text
    app = create_app(SandboxConfig(scenario=SMALL_SCENARIO, memory=True))
    secrets = secret_values(sandbox_credentials(app, "http://x"))
    assert_nothing_leaks(text, secrets, "the output")
    for path in home.rglob("*"):
        if path.is_file() and path.suffix != ".toml":
            content = path.read_bytes().decode("utf-8", "replace")
            assert_nothing_leaks(content, secrets, str(path.relative_to(home)))
    # the sandbox's state is its owner's alone
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_config_secrets_and_journal_files_are_owner_only(
    home: Path, capsys: pytest.CaptureFixture[str], sandbox: dict[str, dict[str, str]]
) -> None:
    code, text = run(capsys, "export", "users", "-c", "lms365")
    assert code == 0, text
    config_dir = home / "xdg_config_home" / "lmsbridge"
    for path in (config_dir / "config.toml", config_dir / "secrets.toml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # a bulk run's journal: owner-only, whoever's umask
    journal = Journal(home / "runs" / "run.jsonl")
    journal.record(ItemReport(0, Request(Action.ENROLL, "u", "c"), Outcome.FAILED, "boom"))
    journal.close()
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("config", "secrets_text"),
    [
        ('[connections.x]\nvendor = "lms365"\nbase_url = "https://a"\napi_key = "{c}"\n', None),
        (
            '[connections.x]\nvendor = "lms365"\nbase_url = "https://a"\n'
            'api_key = {{ secret = "k" }}\n',
            'k = "{c}\n',
        ),
        (
            '[connections.x]\nvendor = "lms365"\nbase_url = "https://a"\n'
            'api_key = {{ secret = "k" }}\n',
            'k = {{ nested = "{c}" }}\n',
        ),
    ],
    ids=["secret given in the config", "secrets file not TOML", "secret not a string"],
)
def test_config_errors_never_quote_the_secret(
    tmp_path: Path, config: str, secrets_text: str | None
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config.format(c=CANARY))
    if secrets_text is not None:
        write_private(tmp_path / "secrets.toml", secrets_text.format(c=CANARY))
    with pytest.raises(ConfigError) as info:
        loaded = load_config(path, explicit=True)
        assert loaded is not None
        loaded.connection("x", environ={})
    assert CANARY not in str(info.value)
    assert CANARY not in repr(info.value)


def test_connection_and_connector_never_show_their_secrets() -> None:
    connection = Connection("x", "lms365", "https://a.example", {"api_key": CANARY})
    connector = connection.connector()
    assert CANARY not in repr(connection) + str(connection) + repr(connector) + str(connector)


def test_activity_log_never_records_a_secret(tmp_path: Path) -> None:
    from tui.activity import ActivityLog

    connection = Connection("x", "lms365", "https://a.example", {"api_key": CANARY})
    report = ItemReport(
        index=0,
        request=Request(Action.ENROLL, f"user {CANARY}", "course"),
        outcome=Outcome.FAILED,
        message=f"the vendor said: bad key {CANARY}",
    )
    log = ActivityLog(tmp_path / "state" / "activity.jsonl")
    log.record(connection, "test", [report])
    assert CANARY not in log.path.read_text()
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
