"""The command line and the config file under bad input: one clear line, a non-zero exit, nothing
half-written. (Argument errors of ``sandbox`` are in ``tests/unit/test_cli.py``, config parse
errors in ``tests/unit/test_config.py``, malformed CSV columns in ``tests/e2e/test_cli_
operations.py``; these are the cases those leave out.)

The commands run in this process (``tui.cli.main``), with every user directory pointed at the
test's own, and a config whose connection ``acme`` reaches a sandbox with a wrong key (so a
case refused before anything is sent stays refused, and one that is sent fails at once) and
``good`` the same sandbox with the right key.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.app import sandbox_credentials
from sandbox.server import SandboxServer
from tests.reliability.harness import small_app
from tui.cli import main

SECRET = "cli-bad-input-secret-7f3e1d"
CONFIG = """\
[connections.acme]
vendor = "lms365"
base_url = "{base_url}"
api_key = {{ env = "ACME_KEY" }}

[connections.good]
vendor = "lms365"
base_url = "{base_url}"
api_key = {{ env = "GOOD_KEY" }}
"""


@pytest.fixture(scope="module")
def lms365() -> Iterator[dict[str, str]]:
    app = small_app()
    with SandboxServer(app) as server:
        yield sandbox_credentials(app, server.base_url)["lms365"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lms365: dict[str, str]) -> Path:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("ACME_KEY", SECRET)
    monkeypatch.setenv("GOOD_KEY", lms365["api_key"])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text(CONFIG.format(base_url=lms365["base_url"]))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and SECRET not in err
    return lines[0]


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["bulk", "rows.csv"], "the following arguments are required: --connection"),
        (["bulk", "-c", "acme"], "the following arguments are required: FILE.csv"),
        (["enroll", "-c", "acme", "--user", "u"], "required: --course"),
        (["bulk", "rows.csv", "-c", "acme", "--concurrency", "many"], "invalid int value"),
        (["export", "widgets", "-c", "acme"], "invalid choice: 'widgets'"),
        (["export", "users", "-c", "acme", "--format", "xml"], "invalid choice: 'xml'"),
        (["reconcile", "acme"], "required: B"),
        (["enroll", "-c", "acme", "--user", "u", "--course", "c", "--bogus"], "--bogus"),
    ],
)
def test_command_bad_argument_one_line_exit_2(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = run(capsys, *args, "--config", "config.toml")
    assert code == 2 and out == ""
    assert needle in one_line(err)


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--due-date", "31/12/2026", "--due-date: not a date"),
        ("--due-period-hours", "0", "due period must be at least one hour"),
        ("--due-period-hours", "soon", "not a whole number of hours"),
        ("--mandatory", "perhaps", "not yes or no"),
        ("--level", "   ", "--level: empty"),
    ],
)
def test_enroll_bad_option_value_one_line_exit_1(
    home: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, needle: str
) -> None:
    before = files_under(home)
    code, out, err = run(
        capsys,
        *("enroll", "-c", "acme", "--user", "u", "--course", "c", option, value),
        *("--config", "config.toml"),
    )
    assert code == 1 and out == ""
    assert needle in one_line(err)
    assert files_under(home) == before


CSV_CASES = {
    "unbalanced quote": (b'user,course\n"alice@example.com,C1\n', "line"),
    "not UTF-8": (b"user,course\n\xff\xfe\xfa,C1\n", "cannot read it"),
    "header only": (b"user,course\n", "no rows"),
    "empty file": (b"", "empty file"),
    "blank lines only": (b"\n\n\n", "empty file"),
    "more cells than columns": (b"user,course\na,b,c\n", "line 2: more cells than columns"),
    "second row bad date": (
        b"user,course,due_date\na,C1,2027-01-01\nb,C1,someday\n",
        "line 3: due_date: not a date",
    ),
    "bad lock flag": (b"user,course,lock_after_due\na,C1,maybe\n", "line 2: lock_after_due"),
    "bad period": (b"user,course,due_period_hours\na,C1,-4\n", "line 2: due_period_hours"),
    "huge cell": (b"user,course\n" + b"a" * 200_000 + b",C1\n", "line"),
}


@pytest.mark.parametrize("case", CSV_CASES, ids=str)
def test_bulk_malformed_csv_one_line_exit_1_nothing_written(
    home: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    content, needle = CSV_CASES[case]
    (home / "rows.csv").write_bytes(content)
    before = files_under(home)
    code, out, err = run(
        capsys,
        *("bulk", "rows.csv", "-c", "acme", "--journal-dir", "runs", "--config", "config.toml"),
    )
    assert code == 1 and out == ""
    assert needle in one_line(err)
    assert files_under(home) == before  # no journal, no state, no log


def test_bulk_file_that_is_a_directory_one_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "rows.csv").mkdir()
    code, out, err = run(capsys, "bulk", "rows.csv", "-c", "acme", "--config", "config.toml")
    assert code == 1 and out == ""
    assert "rows.csv: cannot read it" in one_line(err)


def test_bulk_missing_file_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bulk", "absent.csv", "-c", "acme", "--config", "config.toml")
    assert code == 1 and out == ""
    assert "absent.csv: cannot read it" in one_line(err)


CONFIG_CASES = {
    "binary garbage": (b"\x00\x01\x02\xff", "config.toml: "),
    "not UTF-8": ('[connections.a]\nvendor = "caf\xe9"\n'.encode("latin-1"), "config.toml: "),
    "duplicate table": (b"[connections.a]\n[connections.a]\n", "not valid TOML"),
    "connections not a table": (b'connections = "all"\n', "connections"),
    "bad connection name": (b'[connections."a b"]\nvendor = "lms365"\n', "a b"),
    "secrets file missing": (
        b'secrets_file = "nope.toml"\n[connections.acme]\nvendor = "lms365"\n'
        b'base_url = "http://127.0.0.1:9"\napi_key = { secret = "k" }\n',
        "nope.toml",
    ),
    "unknown env form": (
        b'[connections.acme]\nvendor = "lms365"\nbase_url = "http://127.0.0.1:9"\n'
        b'api_key = { file = "k" }\n',
        "line 4",
    ),
}


@pytest.mark.parametrize("case", CONFIG_CASES, ids=str)
def test_broken_config_one_line_exit_1_nothing_written(
    home: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    content, needle = CONFIG_CASES[case]
    (home / "config.toml").write_bytes(content)
    before = files_under(home)
    code, out, err = run(capsys, "export", "users", "-c", "acme", "--config", "config.toml")
    assert code == 1 and out == ""
    line = one_line(err)
    assert needle in line
    assert files_under(home) == before


def test_config_that_is_a_directory_one_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "config.toml").unlink()
    (home / "config.toml").mkdir()
    code, out, err = run(capsys, "connections", "--config", "config.toml")
    assert code == 1 and out == ""
    assert "config.toml" in one_line(err)


def test_secrets_file_readable_by_others_refused_without_its_value(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = (home / "config.toml").read_text()
    (home / "config.toml").write_text(config.replace('{ env = "ACME_KEY" }', '{ secret = "k" }'))
    (home / "secrets.toml").write_text(f'k = "{SECRET}"\n')
    os.chmod(home / "secrets.toml", 0o644)
    code, out, err = run(capsys, "export", "users", "-c", "acme", "--config", "config.toml")
    assert code == 1 and out == ""
    assert "chmod 600" in one_line(err)


def test_export_into_missing_directory_one_line_no_partial(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = home / "absent" / "users.csv"
    code, out, err = run(
        capsys, "export", "users", "-c", "good", "--config", "config.toml", "-o", str(target)
    )
    assert code == 1 and out == ""
    assert "users.csv: cannot write it" in one_line(err)
    assert not (home / "absent").exists()


def test_failed_export_leaves_existing_file_untouched(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = home / "users.csv"
    target.write_text("the previous export\n")
    code, out, err = run(
        capsys, "export", "users", "-c", "acme", "--config", "config.toml", "-o", str(target)
    )
    assert code == 1 and out == ""
    assert "lms365" in one_line(err)  # the vendor refused the key
    assert target.read_text() == "the previous export\n"
    assert sorted(p.name for p in home.iterdir() if p.name.startswith(".")) == []
