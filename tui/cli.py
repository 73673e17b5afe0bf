"""The ``lmsbridge`` command line.

``lmsbridge`` opens the terminal UI on the embedded sandbox (served under uvicorn on a free port
of 127.0.0.1 by a child process forked at the start, every connector pointed at it).
``lmsbridge sandbox`` runs the sandbox alone in the foreground. Errors are one readable line and a
non-zero exit, never a traceback. Heavy imports (Textual, Starlette) happen only in the branch
that needs them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from sandbox.app import SandboxConfig

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 0 and 65535, not {port}")
    return port


def _seed(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the seed must be a whole number, not {value!r}"
        ) from None


def _fault(value: str) -> dict[str, object]:
    """A fault rule as JSON (the sandbox checks its fields when it starts)."""
    try:
        rule = json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a fault rule must be JSON, not {value!r}") from None
    if not isinstance(rule, dict):
        raise argparse.ArgumentTypeError(f"a fault rule must be a JSON object, not {value!r}")
    return rule


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        default="default",
        metavar="FILE",
        help="scenario to seed from: a name in seed-data/ (default, large) or a TOML file",
    )
    parser.add_argument(
        "--seed", type=_seed, metavar="N", help="override the scenario's Faker seed"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="keep the sandbox state in DIR (default: the user data directory)",
    )
    where.add_argument(
        "--memory", action="store_true", help="keep the sandbox state in memory only"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lmsbridge",
        description="Browse and manage course enrollments across LMSs. With no command, opens the "
        "terminal UI on the embedded sandbox.",
    )
    _add_data_options(parser)
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="connections to open (default: config.toml in the user config directory; "
        "with none, the embedded sandbox's)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sandbox = commands.add_parser(
        "sandbox",
        help="run the vendor sandbox alone under uvicorn",
        description="Run the sandbox that emulates each vendor's enrollment API. Prints its base "
        "URLs and credentials at start.",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sandbox.add_argument("--port", type=_port, default=8765, help="port to bind (default 8765)")
    sandbox.add_argument(
        "--admin-token",
        default=os.environ.get("LMSBRIDGE_ADMIN_TOKEN") or None,
        metavar="TOKEN",
        help="require this bearer token on the admin API (default: $LMSBRIDGE_ADMIN_TOKEN; "
        "generated when --host is not a loopback address)",
    )
    sandbox.add_argument(
        "--fault",
        type=_fault,
        action="append",
        metavar="JSON",
        help="a fault rule in force from the start, as POST /_sandbox/faults takes it, e.g. "
        '\'{"vendor": "docebo", "status": 503, "share": 0.1}\' (repeatable)',
    )
    _add_data_options(sandbox)
    from tui.scripting import add_commands

    add_commands(commands, _Parser)
    return parser


def _config(args: argparse.Namespace) -> SandboxConfig:
    from sandbox.app import SandboxConfig

    return SandboxConfig(
        scenario=args.scenario,
        seed=args.seed,
        data_dir=args.data,
        memory=args.memory,
        admin_token=getattr(args, "admin_token", None),
        faults=tuple(getattr(args, "fault", None) or ()),
    )


def _fail(message: str) -> int:
    print(f"lmsbridge: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def run_sandbox(args: argparse.Namespace) -> int:
    from sandbox.server import SandboxStartError, serve

    try:
        serve(_config(args), host=args.host, port=args.port)
    except SandboxStartError as err:
        return _fail(str(err))
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def run_tui(args: argparse.Namespace) -> int:
    from core.config import ConfigError, load_config

    try:
        config = load_config(args.config, explicit=args.config is not None)
        if config is not None:
            if not config.names():
                return _fail(f"{config.path}: no [connections.NAME] tables")
            connections = [config.connection(name) for name in config.names()]
    except ConfigError as err:
        return _fail(str(err))
    if config is not None:
        from tui.app import make_app

        make_app(connections, keymap=config.keys, theme=config.theme).run()
        return EXIT_OK
    return _run_tui_on_sandbox(args)


def _run_tui_on_sandbox(args: argparse.Namespace) -> int:
    """The UI on the embedded sandbox, which opens in a child process while this one imports
    and builds the UI (``sandbox.embedded``): fork first, import after."""
    from platformdirs import user_log_path

    from sandbox.embedded import EmbeddedSandbox, EmbeddedStartError
    from sandbox.heap import long_lived

    log_file = user_log_path("lmsbridge") / "sandbox.log"
    sandbox = EmbeddedSandbox(lambda: _config(args), log_file=log_file)
    # The modules about to be imported live as long as the process: with the cyclic collector
    # off while they pile up, then frozen, it never scans them (about 30 ms of collections
    # before the first row otherwise). The sandbox's child does the same with its own.
    try:
        with long_lived():
            sandbox.start()
            from core.connections import sandbox_connections
            from core.connector import shared_ssl_context
            from core.connectors import VENDORS, connector_class
            from tui.app import make_app

            # While the sandbox opens: what the first connection's loads need (the sandbox
            # lists its vendors in core's order), made now rather than after the app started.
            shared_ssl_context()
            connector_class(VENDORS[0])
        try:
            _, credentials = sandbox.wait()
        except EmbeddedStartError as err:
            return _fail(str(err))
        make_app(sandbox_connections(credentials)).run()
    finally:
        sandbox.stop()
    return EXIT_OK


def without_httpx_cli() -> None:
    """Keep ``import httpx`` from importing httpx's own command-line client.

    httpx's ``__init__`` imports ``httpx._main`` (click, ``rich.progress``, pygments' lexers)
    whenever those are installed, as they are here beside Textual and uvicorn: about 30 ms of
    ``lmsbridge``'s start-up, for a client it never runs. A ``None`` in ``sys.modules`` makes
    that import fail, and httpx falls back to a ``httpx.main`` that only says the client cannot
    run. Nothing else of httpx changes; once httpx is imported this does nothing."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    without_httpx_cli()
    args = build_parser().parse_args(argv)
    try:
        if args.command == "sandbox":
            return run_sandbox(args)
        if args.command is not None:
            from tui.scripting import run_command

            return run_command(args, lambda: _config(args))
        return run_tui(args)
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as err:
        return _fail(str(err))


if __name__ == "__main__":
    sys.exit(main())
