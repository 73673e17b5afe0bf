"""The config file: connections, where secrets come from, and one clear line per mistake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import ConfigError, load_config, parse_config, read_secrets, write_private

GOOD = """\
[connections.acme-docebo]
vendor = "docebo"
base_url = "https://acme.docebosaas.com/"
client_id = "lmsbridge"
client_secret = { env = "ACME_SECRET" }

[connections.acme-kombo]
vendor = "kombo"
base_url = "https://api.kombo.dev/v1"
integration_id = "acme:personio"
api_key = { secret = "kombo_key" }
"""


def test_connections_resolve_from_environment_and_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD)
    write_private(tmp_path / "secrets.toml", 'kombo_key = "k-123"\n')
    config = load_config(path, explicit=True)
    assert config is not None
    assert config.names() == ["acme-docebo", "acme-kombo"]
    docebo = config.connection("acme-docebo", environ={"ACME_SECRET": "s3cret"})
    assert docebo.base_url == "https://acme.docebosaas.com"
    assert dict(docebo.secrets) == {"client_id": "lmsbridge", "client_secret": "s3cret"}
    assert "s3cret" not in repr(docebo)
    kombo = config.connection("acme-kombo", environ={})
    assert dict(kombo.secrets) == {"integration_id": "acme:personio", "api_key": "k-123"}


def test_missing_environment_variable_names_the_line(tmp_path: Path) -> None:
    config = parse_config(GOOD, tmp_path / "config.toml")
    with pytest.raises(ConfigError, match=r"line 5: acme-docebo.client_secret: environment "):
        config.connection("acme-docebo", environ={})


def test_secrets_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('kombo_key = "k-123"\n')
    os.chmod(secrets, 0o644)
    config = parse_config(GOOD, tmp_path / "config.toml")
    with pytest.raises(ConfigError, match="readable by others; run: chmod 600") as info:
        config.connection("acme-kombo", environ={})
    assert "k-123" not in str(info.value)


def test_write_private_creates_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "secrets.toml"
    write_private(path, 'a = "b"\n')
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_secrets(path) == {"a": "b"}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[connections.x\n", "not valid TOML: "),
        ("bogus = 1\n", "line 1: unknown setting 'bogus'"),
        (
            '[connections.x]\nvendor = "moodle"\nbase_url = "https://a"\n',
            "line 2: x.vendor must be one of docebo, kombo, ispring, lms365",
        ),
        (
            '[connections.x]\nvendor = "lms365"\nbase_url = "ftp://a"\napi_key = {env="K"}\n',
            "line 3: x.base_url must be an http(s) URL",
        ),
        (
            '[connections.x]\nvendor = "lms365"\nbase_url = "https://a"\napi_key = "plain"\n',
            "line 4: x.api_key is a secret: give it as",
        ),
        (
            '[connections.x]\nvendor = "lms365"\nbase_url = "https://a"\n',
            "line 1: x (lms365) needs api_key",
        ),
        (
            '[connections.x]\nvendor = "lms365"\nbase_url = "https://a"\napi_key = {env="K"}\n'
            'client_id = "c"\n',
            "line 5: x.client_id is not a lms365 setting",
        ),
        (
            '[connections.x]\nvendor = "kombo"\nbase_url = "https://a"\napi_key = {env="K"}\n'
            "integration_id = 5\n",
            "line 5: x.integration_id must be a string",
        ),
    ],
)
def test_bad_config_is_one_line_naming_the_place(text: str, needle: str, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, explicit=True)
    message = str(info.value)
    assert "\n" not in message
    assert needle in message
    assert str(path) in message


def test_no_config_means_none_unless_named(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.toml") is None
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml", explicit=True)


def test_unknown_connection_lists_the_known_ones(tmp_path: Path) -> None:
    config = parse_config(GOOD, tmp_path / "config.toml")
    with pytest.raises(ConfigError, match="known: acme-docebo, acme-kombo"):
        config.connection("nope")
