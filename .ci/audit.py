"""Audit the virtual environment's dependencies for known vulnerabilities (``make audit``).

Runs ``pip-audit`` on the environment this interpreter belongs to (the project's ``.venv``; the
editable project itself is skipped, it is not on PyPI) and reads its JSON report:

* a known vulnerability: each is listed, one line apiece, and the exit status is 1;
* nothing audited because the vulnerability service could not be reached (pip-audit then
  reports every package as "not found on PyPI" and still says "No known vulnerabilities
  found"): one line says so, and the exit status is 0, since an unreachable service alone
  says nothing about the dependencies;
* otherwise one line with how many packages were audited.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TIMEOUT = 15


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    command = [
        str(pip_audit),
        "--progress-spinner",
        "off",
        "--skip-editable",
        "--format",
        "json",
        "--timeout",
        str(TIMEOUT),
    ]
    try:
        result = subprocess.run(  # noqa: S603 (our own venv's pip-audit)
            command, capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"audit: pip-audit could not run ({err}); dependencies not audited")
        return 0
    try:
        report = json.loads(result.stdout)
        dependencies = report["dependencies"]
    except (ValueError, KeyError, TypeError):
        reason = " ".join((result.stderr or result.stdout).split())[-300:]
        if any(word in reason.lower() for word in ("connection", "timed out", "resolve", "ssl")):
            print(f"audit: the vulnerability service could not be reached ({reason})")
            return 0
        print(f"audit: pip-audit failed: {reason or 'no report'}")
        return 1
    audited = [d for d in dependencies if "vulns" in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    found = [(d["name"], d["version"], v) for d in audited for v in d["vulns"]]
    for name, version, vuln in found:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
        print(f"audit: {name} {version}: {vuln.get('id')} (fixed in {fixes})")
    if found:
        return 1
    if not audited and skipped:
        print(
            f"audit: the vulnerability service could not be reached: none of {len(skipped)} "
            "packages was audited (not a failure by itself)"
        )
        return 0
    note = f", {len(skipped)} not audited" if skipped else ""
    print(f"audit: no known vulnerabilities in {len(audited)} packages{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
