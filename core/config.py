"""The config file: named connections to real tenants, and where their secrets come from.

The file is TOML, by default ``config.toml`` in the user's config directory (on Linux
``~/.config/lmsbridge/config.toml``); ``--config FILE`` names another. With no file, the
embedded sandbox's four connections are used. Example::

    # secrets_file = "secrets.toml"        # optional; default: secrets.toml beside this file

    [connections.acme-docebo]
    vendor = "docebo"
    base_url = "https://acme.docebosaas.com"
    client_id = "lmsbridge"
    client_secret = { env = "ACME_DOCEBO_SECRET" }

    [connections.acme-kombo]
    vendor = "kombo"
    base_url = "https://api.kombo.dev/v1"
    integration_id = "acme:personio"
    api_key = { secret = "acme_kombo_api_key" }

A setting is a plain string, ``{ env = "NAME" }`` (an environment variable) or
``{ secret = "KEY" }`` (a key of the secrets file, a flat TOML table of strings). Secrets proper
(``client_secret``, ``password``, ``api_key``) must come from the environment or the secrets file,
never from the config itself, and the secrets file must be readable by its owner alone: a file
others can read is refused. Nothing here ever prints, logs or formats a secret's value; errors
name the file, the line and the setting.

Every error is a :class:`ConfigError` whose message is one readable line.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.connections import Connection

#: each vendor's settings: required, optional, and which of them are secrets
VENDOR_SETTINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "docebo": (("client_id", "client_secret"), ("username", "password")),
    "kombo": (("api_key", "integration_id"), ()),
    "ispring": (("client_id", "client_secret"), ()),
    "lms365": (("api_key",), ()),
}
SECRET_SETTINGS = frozenset({"client_secret", "password", "api_key"})
CONNECTION_KEYS = frozenset({"vendor", "base_url"})
TOP_LEVEL_KEYS = frozenset({"connections", "secrets_file", "keys", "theme"})
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(ValueError):
    """A config or secrets file that cannot be used; the message names the file and line."""


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("lmsbridge") / "config.toml"


@dataclass(frozen=True, slots=True)
class Setting:
    """How one setting is given: a literal, an environment variable or a secrets-file key."""

    name: str
    line: int
    literal: str | None = field(default=None, repr=False)
    env: str | None = None
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    """A connection as the config describes it; :meth:`Config.connection` resolves its
    settings into a :class:`Connection`."""

    name: str
    vendor: str
    base_url: str
    line: int
    settings: tuple[Setting, ...]


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    connections: tuple[ConnectionSpec, ...]
    secrets_file: Path | None = None
    keys: Mapping[str, str] = field(default_factory=dict)
    theme: str | None = None

    def names(self) -> list[str]:
        return [spec.name for spec in self.connections]

    def spec(self, name: str) -> ConnectionSpec:
        for spec in self.connections:
            if spec.name == name:
                return spec
        known = ", ".join(self.names()) or "none"
        raise ConfigError(f"no connection named {name!r} in {self.path} (known: {known})")

    def connection(self, name: str, *, environ: Mapping[str, str] | None = None) -> Connection:
        """The named connection with its settings resolved."""
        spec = self.spec(name)
        env = os.environ if environ is None else environ
        secrets: dict[str, str] | None = None
        values: dict[str, str] = {}
        for setting in spec.settings:
            where = f"{self.path}, line {setting.line}: {spec.name}.{setting.name}"
            if setting.literal is not None:
                values[setting.name] = setting.literal
            elif setting.env is not None:
                value = env.get(setting.env)
                if not value:
                    raise ConfigError(f"{where}: environment variable {setting.env} is not set")
                values[setting.name] = value
            else:
                assert setting.secret is not None
                if secrets is None:
                    secrets = read_secrets(self.secrets_file)
                if setting.secret not in secrets:
                    raise ConfigError(
                        f"{where}: the secrets file {self.secrets_file} has no key "
                        f"{setting.secret!r}"
                    )
                values[setting.name] = secrets[setting.secret]
        return Connection(
            name=spec.name, vendor=spec.vendor, base_url=spec.base_url, secrets=values
        )


def load_config(path: Path | None = None, *, explicit: bool = False) -> Config | None:
    """The config at ``path`` (default: the user's), or None when there is none and it was not
    named explicitly (then the embedded sandbox's connections are used)."""
    path = path or default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{path}: no such file") from None
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read it: {err}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    lines = _Lines(text, path)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            allowed = ", ".join(sorted(TOP_LEVEL_KEYS))
            raise lines.error(None, key, f"unknown setting {key!r} (allowed: {allowed})")
    connections = data.get("connections", {})
    if not isinstance(connections, dict):
        raise lines.error(None, "connections", "connections must be a table of tables")
    specs = tuple(_connection(name, body, lines) for name, body in connections.items())
    secrets_file = path.parent / "secrets.toml"
    if "secrets_file" in data:
        value = data["secrets_file"]
        if not isinstance(value, str) or not value:
            raise lines.error(None, "secrets_file", "secrets_file must be a path")
        secrets_file = (path.parent / Path(value).expanduser()).resolve()
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        raise lines.error(None, "keys", "keys must map action ids to key names (strings)")
    theme = data.get("theme")
    if theme is not None and not isinstance(theme, str):
        raise lines.error(None, "theme", "theme must be a string")
    return Config(path=path, connections=specs, secrets_file=secrets_file, keys=keys, theme=theme)


def _connection(name: str, body: Any, lines: _Lines) -> ConnectionSpec:
    if not NAME.match(name):
        raise lines.error(
            name, None, f"connection name {name!r}: use letters, digits, '.', '_' and '-'"
        )
    if not isinstance(body, dict):
        raise lines.error(name, None, f"connections.{name} must be a table")
    vendor = body.get("vendor")
    if vendor not in VENDOR_SETTINGS:
        known = ", ".join(VENDOR_SETTINGS)
        raise lines.error(name, "vendor", f"{name}.vendor must be one of {known}")
    base_url = body.get("base_url")
    if not isinstance(base_url, str) or not re.match(r"^https?://[^\s/]+", base_url):
        raise lines.error(name, "base_url", f"{name}.base_url must be an http(s) URL")
    required, optional = VENDOR_SETTINGS[vendor]
    settings = []
    for key, value in body.items():
        if key in CONNECTION_KEYS:
            continue
        if key not in required and key not in optional:
            allowed = ", ".join((*required, *optional))
            raise lines.error(
                name, key, f"{name}.{key} is not a {vendor} setting (allowed: {allowed})"
            )
        settings.append(_setting(name, key, value, lines))
    given = {setting.name for setting in settings}
    for key in required:
        if key not in given:
            raise lines.error(name, None, f"{name} ({vendor}) needs {key}")
    return ConnectionSpec(
        name=name,
        vendor=vendor,
        base_url=base_url.rstrip("/"),
        line=lines.line_of(name, None),
        settings=tuple(settings),
    )


def _setting(connection: str, key: str, value: Any, lines: _Lines) -> Setting:
    line = lines.line_of(connection, key)
    where = f"{connection}.{key}"
    if isinstance(value, str):
        if key in SECRET_SETTINGS:
            raise lines.error(
                connection,
                key,
                f'{where} is a secret: give it as {{ env = "NAME" }} or '
                f'{{ secret = "KEY" }} (a key of the secrets file), not in the config',
            )
        if not value:
            raise lines.error(connection, key, f"{where} is empty")
        return Setting(name=key, line=line, literal=value)
    if isinstance(value, dict) and len(value) == 1:
        ((kind, ref),) = value.items()
        if kind == "env" and isinstance(ref, str) and ref:
            return Setting(name=key, line=line, env=ref)
        if kind == "secret" and isinstance(ref, str) and ref:
            return Setting(name=key, line=line, secret=ref)
    raise lines.error(
        connection, key, f'{where} must be a string, {{ env = "NAME" }} or {{ secret = "KEY" }}'
    )


def read_secrets(path: Path | None) -> dict[str, str]:
    """The secrets file: a flat TOML table of strings, readable by its owner alone."""
    if path is None:
        raise ConfigError("no secrets file is configured")
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(f"{path}: the secrets file does not exist") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the secrets file: {err.strerror}") from None
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path}: the secrets file is readable by others; run: chmod 600 {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        # The decoder's message names a line and column, never the file's content.
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the secrets file: {err}") from None
    for key, value in data.items():
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string")
    return data


def write_private(path: Path, text: str) -> None:
    """Create or replace a file readable by its owner alone, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class _Lines:
    """Where a connection's table and its keys stand in the file, for error messages."""

    def __init__(self, text: str, path: Path) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, connection: str | None, key: str | None) -> int:
        start = 0
        if connection is not None:
            header = re.compile(
                r"^\s*\[\s*connections\s*\.\s*(\"?)" + re.escape(connection) + r"\1\s*\]"
            )
            for number, line in enumerate(self.lines):
                if header.match(line):
                    start = number
                    break
            if key is None:
                return start + 1
        if key is None:
            return 1
        pattern = re.compile(r"^\s*(\"?)" + re.escape(key) + r"\1\s*=")
        for number in range(start, len(self.lines)):
            if number > start and connection is not None and self.lines[number].lstrip()[:1] == "[":
                break
            if pattern.match(self.lines[number]):
                return number + 1
        return start + 1

    def error(self, connection: str | None, key: str | None, message: str) -> ConfigError:
        return ConfigError(f"{self.path}, line {self.line_of(connection, key)}: {message}")
