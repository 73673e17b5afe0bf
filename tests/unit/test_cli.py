"""The command line's argument handling: one readable line and a non-zero exit on bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tui.cli import EXIT_USAGE, build_parser, main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["sandbox", "--port", "http"], "not a port number: 'http'"),
        (["sandbox", "--port", "70000"], "port must be between 0 and 65535"),
        (["sandbox", "--seed", "x"], "the seed must be a whole number"),
        (["sandbox", "--memory", "--data", "/tmp/x"], "not allowed with argument"),
        (["sandbox", "--fault", "{oops"], "a fault rule must be JSON"),
        (["sandbox", "--fault", "[503]"], "a fault rule must be a JSON object"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_cli_bad_argument_one_line_and_usage_exit(args: list[str], needle: str) -> None:
    result = run_cli(*args)
    assert result.returncode == EXIT_USAGE
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["sandbox", "--help"]])
def test_cli_help_exits_zero(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 0
    assert "usage: lmsbridge" in result.stdout


def test_parser_sandbox_defaults() -> None:
    args = build_parser().parse_args(["sandbox"])
    assert (args.host, args.port, args.scenario, args.seed, args.memory) == (
        "127.0.0.1",
        8765,
        "default",
        None,
        False,
    )


def test_parser_sandbox_fault_is_repeatable_into_the_config() -> None:
    from tui.cli import _config

    args = build_parser().parse_args(
        ["sandbox", "--fault", '{"status": 503}', "--fault", '{"vendor": "kombo", "kind": "drop"}']
    )
    assert _config(args).faults == ({"status": 503}, {"vendor": "kombo", "kind": "drop"})
    assert _config(build_parser().parse_args(["sandbox"])).faults == ()


def test_cli_sandbox_bad_fault_rule_is_one_line_and_exit_1() -> None:
    result = run_cli("sandbox", "--memory", "--port", "0", "--fault", '{"status": 404}')
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "lmsbridge: error: the configuration: fault rule 1: status must be one of 429, 500, 503, "
        "not 404"
    )


def test_main_rejects_bad_flag_via_system_exit() -> None:
    with pytest.raises(SystemExit) as info:
        main(["--nope"])
    assert info.value.code == EXIT_USAGE


def _python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_httpx_without_its_command_line_client_still_sends_requests() -> None:
    code = """
import sys
from tui.cli import without_httpx_cli
without_httpx_cli()
import httpx
def answer(request):
    return httpx.Response(200, json={"path": request.url.path})
with httpx.Client(transport=httpx.MockTransport(answer)) as client:
    body = client.get("http://tenant.example/learn/v1/courses").json()
print(body["path"], sys.modules["httpx._main"], "click" in sys.modules)
"""
    assert _python(code) == "/learn/v1/courses None False"


def test_httpx_cli_left_alone_once_httpx_is_imported() -> None:
    code = """
import sys
import httpx
from tui.cli import without_httpx_cli
without_httpx_cli()
print(sys.modules["httpx._main"] is not None)
"""
    assert _python(code) == "True"
