"""Render the README's screenshot: the terminal UI on the embedded sandbox, headless.

.venv/bin/python docs/screenshot.py docs/screenshot.svg
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from core.connections import sandbox_connections
from sandbox.app import SandboxConfig, create_app, sandbox_credentials
from sandbox.server import SandboxServer
from tui.app import make_app


async def render() -> str:
    sandbox = create_app(SandboxConfig(memory=True))
    with SandboxServer(sandbox) as server:
        connections = sandbox_connections(sandbox_credentials(sandbox, server.base_url))
        app = make_app(connections)
        async with app.run_test(size=(130, 36)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.press("3")
            await pilot.pause()
            return app.export_screenshot(title="lmsbridge")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.svg")
    target.write_text(asyncio.run(render()))
