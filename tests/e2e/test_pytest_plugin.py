"""The pytest plugin, used the way an outside project uses it: test files that import nothing of
lmsbridge, run by a pytest of their own (``pytester``, in a subprocess) that finds the plugin
through its ``pytest11`` entry point. The README's per-vendor examples are among those files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLES = re.compile(
    r"<!-- pytest-plugin-examples:start -->(.*?)<!-- pytest-plugin-examples:end -->", re.S
)
BLOCK = re.compile(r"```python\n(.*?)```", re.S)

ISOLATION = """
import asyncio
import http.server
import threading

import httpx
import pytest

SEEN = {}


def count(lms_sandbox):
    lms365 = lms_sandbox.lms365
    answer = httpx.get(
        f"{lms365['base_url']}/odata/v2/Enrollments",
        params={"$top": 1, "$count": "true"},
        auth=("api", lms365["api_key"]),
    )
    return answer.json()["@odata.count"], answer.json()["value"][0]["Id"]


def unenroll(lms_sandbox, key):
    lms365 = lms_sandbox.lms365
    url = f"{lms365['base_url']}/odata/v2/Enrollments({key})"
    assert httpx.delete(url, auth=("api", lms365["api_key"])).status_code == 204


def test_a_write(lms_sandbox):
    SEEN["count"], key = count(lms_sandbox)
    unenroll(lms_sandbox, key)
    assert count(lms_sandbox)[0] == SEEN["count"] - 1


def test_b_next_test_starts_from_the_seed(lms_sandbox):
    assert count(lms_sandbox)[0] == SEEN["count"]


@pytest.mark.lms_sandbox(vendor="lms365")
def test_c_namespace_of_one_vendor(lms_sandbox):
    assert lms_sandbox.namespace and f"/_ns/{lms_sandbox.namespace}" in lms_sandbox.url
    assert list(lms_sandbox.credentials) == ["lms365"]
    total, key = count(lms_sandbox)
    unenroll(lms_sandbox, key)
    assert total == SEEN["count"]


def test_d_session_sandbox_untouched_by_namespace(lms_sandbox_session):
    assert count(lms_sandbox_session)[0] == SEEN["count"]


@pytest.mark.asyncio
@pytest.mark.lms_sandbox(mode="asgi")
async def test_e_in_process(lms_sandbox):
    assert lms_sandbox.mode == "asgi" and lms_sandbox.transport is not None
    kombo = lms_sandbox.kombo
    async with lms_sandbox.async_client() as client:
        answer = await client.get(
            f"{kombo['base_url']}/lms/users",
            headers={
                "Authorization": f"Bearer {kombo['api_key']}",
                "X-Integration-Id": kombo["integration_id"],
            },
        )
    assert answer.json()["status"] == "success"


def test_f_webhook_reaches_a_local_receiver(lms_sandbox):
    got = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        hook = {"vendor": "lms365", "url": url}
        made = httpx.post(f"{lms_sandbox.admin_url}/webhooks", json=hook)
        assert made.status_code == 201
        unenroll(lms_sandbox, count(lms_sandbox)[1])
        log = httpx.get(f"{lms_sandbox.admin_url}/webhooks/deliveries", params={"wait": 10})
    finally:
        server.shutdown()
    (delivery,) = log.json()["deliveries"]
    assert delivery["state"] == "delivered" and delivery["status_codes"] == [204]
    assert len(got) == 1 and b"unenrollment" in got[0]
"""


def readme_examples() -> list[str]:
    section = EXAMPLES.search(README.read_text(encoding="utf-8"))
    assert section is not None, "README.md lost its pytest-plugin-examples markers"
    return BLOCK.findall(section.group(1))


def write_outside_project(pytester: pytest.Pytester) -> int:
    """The README's examples and the isolation tests as an outside project's test files; how
    many tests they hold."""
    examples = readme_examples()
    assert len(examples) == 4
    files = {f"test_readme_{n}": code for n, code in enumerate(examples, 1)}
    pytester.makepyfile(**files, test_isolation=ISOLATION)
    return len(examples) + ISOLATION.count("\ndef test_") + ISOLATION.count("\nasync def test_")


def test_readme_examples_and_isolation_pass_under_the_plugin(pytester: pytest.Pytester) -> None:
    tests = write_outside_project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=300)
    result.assert_outcomes(passed=tests)


def test_readme_examples_pass_with_a_namespace_per_test(pytester: pytest.Pytester) -> None:
    examples = readme_examples()
    pytester.makepyfile(**{f"test_readme_{n}": code for n, code in enumerate(examples, 1)})
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--lms-sandbox-isolation=namespace", timeout=300
    )
    result.assert_outcomes(passed=len(examples))


def test_marker_with_unknown_argument_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.lms_sandbox(colour="red")
        def test_x(lms_sandbox):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown argument 'colour'*"])
