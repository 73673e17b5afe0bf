"""Scenario files derived from the repository's own, written to the run's scratch folder."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

from sandbox.seeding import SEED_DATA_DIR


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def derived_scenario(scenario: str, folder: Path, description: str, **changes: int) -> Path:
    """``scenario``'s file with the top-level numbers in ``changes`` changed (say ``users`` or
    ``enrollments``), written to ``folder``; everything else, the seed included, is kept."""
    source = SEED_DATA_DIR / f"{scenario}.toml"
    data = tomllib.loads(source.read_text())
    data.update(changes)
    suffix = "-".join(f"{key}{value}" for key, value in sorted(changes.items()))
    data["name"] = f"{scenario}-{suffix}"
    data["description"] = description
    plain = [f"{k} = {toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [
        f"\n[{k}]\n" + "\n".join(f"{json.dumps(n)} = {toml_value(x)}" for n, x in v.items())
        for k, v in data.items()
        if isinstance(v, dict)
    ]
    path = folder / f"{data['name']}.toml"
    path.write_text("\n".join(plain) + "\n" + "\n".join(tables) + "\n")
    return path
