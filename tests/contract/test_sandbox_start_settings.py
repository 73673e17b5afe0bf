"""Settings in force from the start: the scenario's [[faults]] and [activity] tables, and the
configuration's fault rules (``lmsbridge sandbox --fault JSON``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.app import SandboxConfig, create_app
from sandbox.seeding import SEED_DATA_DIR
from tests.conftest import in_process_client


def scenario(tmp_path: Path, extra: str) -> str:
    """The default scenario with ``extra`` TOML (tables appended, top-level keys first)."""
    path = tmp_path / "custom.toml"
    default = (SEED_DATA_DIR / "default.toml").read_text()
    text = f"{extra}\n{default}" if not extra.startswith("[") else f"{default}\n{extra}"
    path.write_text(text)
    return str(path)


async def test_scenario_faults_are_in_force_and_come_back_on_reset(tmp_path: Path) -> None:
    toml = '[[faults]]\nvendor = "lms365"\nstatus = 503\ncount = 1\n'
    config = SandboxConfig(scenario=scenario(tmp_path, toml), memory=True, faults=[{"status": 500}])
    async with in_process_client(create_app(config)) as client:
        first = await client.get("/lms365/odata/v2/Users")
        second = await client.get("/lms365/odata/v2/Users")
        await client.post("/_sandbox/reset")
        rules = (await client.get("/_sandbox/faults")).json()["faults"]
    assert (first.status_code, second.status_code) == (503, 500)
    assert [(r["id"], r["status"], r["fired"]) for r in rules] == [("f1", 503, 0), ("f2", 500, 0)]


async def test_scenario_activity_table_sets_the_timer(tmp_path: Path) -> None:
    toml = '[activity]\nevery_seconds = 60\ncount = 3\nvendor = "kombo"\n'
    config = SandboxConfig(scenario=scenario(tmp_path, toml), memory=True)
    async with in_process_client(create_app(config)) as client:
        state = (await client.get("/_sandbox/activity")).json()
    assert state["timer"] == {"vendor": "kombo", "count": 3, "steps": 1, "every_seconds": 60.0}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[faults]]\nstatus = 404\n", "[[faults]]: fault rule 1: status must be one of"),
        ("faults = 3\n", "'faults' must be an array of tables"),
        ("[activity]\ncount = 3\n", "[activity]: every_seconds must be a number"),
        ("activity = 3\n", "'activity' must be a table"),
    ],
)
def test_bad_scenario_settings_name_the_file_and_table(
    tmp_path: Path, toml: str, message: str
) -> None:
    with pytest.raises(ValueError, match=r"custom\.toml") as info:
        create_app(SandboxConfig(scenario=scenario(tmp_path, toml), memory=True))
    assert message in str(info.value)


def test_bad_configured_fault_is_one_clear_error() -> None:
    with pytest.raises(ValueError) as info:
        create_app(SandboxConfig(memory=True, faults=[{"kind": "rate_limit", "vendor": "kombo"}]))
    assert str(info.value) == (
        "the configuration: fault rule 1: per_hour is required for kombo: only Docebo documents "
        "a rate (1000 requests an hour)"
    )
