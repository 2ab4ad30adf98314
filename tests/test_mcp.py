"""The MCP server through the official SDK's own client, over a real stdio session with
`python -m scaffolder mcp` (the client also checks every successful result against the tool's
output schema: the shipped JSON Schema, bundled)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

from scaffolder.model import Answers
from tests.helpers import ROOT, copy_fixture, run, run_json, tree_digest
from tests.test_prompt import RAILS, tree

T = TypeVar("T")
TOOLS = ["inspect", "plan", "apply", "prompt", "check"]


def over_stdio(body: Callable[[Client], Awaitable[T]]) -> T:
    """Spawn the server as an editor would and run `body` with a connected SDK client."""

    async def main() -> T:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "scaffolder", "mcp"], cwd=str(ROOT)
        )
        async with Client(params, read_timeout_seconds=120) as client:
            return await body(client)

    return anyio.run(main)


def document(result: CallToolResult) -> dict[str, Any]:
    """The structured result, which the text content repeats as JSON."""
    assert isinstance(result.structured_content, dict)
    [content] = result.content
    assert json.loads(getattr(content, "text", "")) == result.structured_content
    return result.structured_content


def error_of(result: CallToolResult) -> dict[str, Any]:
    assert result.is_error
    doc = document(result)
    assert doc["schema"] == "bcb-scaffold/error@1"
    error: dict[str, Any] = doc["error"]
    return error


def git_repo(root: Path) -> Path:
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "initial"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    return root


def test_tools_take_path_and_every_answer() -> None:
    """Every tool takes `path` and every answer, except `check`, which audits what is written
    and so takes `path` alone."""

    async def body(client: Client) -> Any:
        return (await client.list_tools()).tools, client.instructions

    tools, instructions = over_stdio(body)
    assert [t.name for t in tools] == TOOLS
    answers = [name for name, _ in Answers.fields_help()]
    for tool in tools:
        schema = tool.input_schema
        assert schema["required"] == ["path"]
        assert schema["additionalProperties"] is False
        if tool.name == "check":
            assert list(schema["properties"]) == ["path"]
        else:
            assert list(schema["properties"])[: len(answers) + 1] == ["path", *answers]
            assert schema["properties"]["delivery"]["enum"] == [
                "script-attribute",
                "token-endpoint",
                None,
            ]
        assert tool.output_schema is not None and tool.output_schema["$id"].startswith("urn:")
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is (tool.name != "apply")
    apply = next(t for t in tools if t.name == "apply")
    assert {"confirm", "allow_dirty"} <= set(apply.input_schema["properties"])
    assert instructions is not None and "confirm" in instructions


def test_inspect_plan_apply_over_stdio(tmp_path: Path) -> None:
    root = git_repo(copy_fixture("flask-login", tmp_path / "mcp"))
    reference = copy_fixture("flask-login", tmp_path / "cli")
    pristine = tree_digest(root)
    _, cli_inspect = run_json("inspect", root)
    path = str(root)

    async def body(client: Client) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        seen["inspect"] = document(await client.call_tool("inspect", {"path": path}))
        seen["questions"] = document(await client.call_tool("plan", {"path": path}))
        seen["plan"] = document(
            await client.call_tool("plan", {"path": path, "api_key": "pk_test_bookclub"})
        )
        seen["tree_after_plan"] = tree_digest(root)
        seen["unconfirmed"] = await client.call_tool(
            "apply", {"path": path, "api_key": "pk_test_bookclub"}
        )
        seen["tree_after_unconfirmed"] = tree_digest(root)
        seen["apply"] = document(
            await client.call_tool(
                "apply", {"path": path, "api_key": "pk_test_bookclub", "confirm": True}
            )
        )
        seen["again"] = document(
            await client.call_tool(
                "apply", {"path": path, "api_key": "pk_test_bookclub", "confirm": True}
            )
        )
        return seen

    seen = over_stdio(body)
    assert seen["inspect"] == cli_inspect

    questions = seen["questions"]
    assert questions["status"] == "questions" and questions["edits"] == []
    assert [q["id"] for q in questions["questions"]] == ["api_key"]

    plan = seen["plan"]
    assert plan["status"] == "planned"
    _, dry_run = run_json("apply", reference, "--dry-run", "--api-key", "pk_test_bookclub")
    assert plan["diff"] == dry_run["diff"] and plan["diff"].startswith("diff --git")
    assert [e["path"] for e in plan["edits"]] == [e["path"] for e in dry_run["edits"]]
    assert seen["tree_after_plan"] == pristine

    refused = error_of(seen["unconfirmed"])
    assert (refused["code"], refused["exit_code"]) == ("refused", 5)
    assert "confirm" in refused["message"]
    assert seen["tree_after_unconfirmed"] == pristine

    applied = seen["apply"]
    assert applied["status"] == "applied"
    assert applied["changed_files"] == [e["path"] for e in plan["edits"]]
    assert "BESTCHATBOT_SIGNING_KEY" in applied["reminder"]
    assert run("apply", reference, "--yes", "--api-key", "pk_test_bookclub").exit_code == 0
    assert _without_git(tree_digest(root)) == tree_digest(reference)
    assert seen["again"]["status"] == "nothing-to-do"


def _without_git(digest: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in digest.items() if not k.startswith(".git/")}


def test_uncommitted_work_needs_allow_dirty(tmp_path: Path) -> None:
    root = git_repo(copy_fixture("flask-login", tmp_path))
    layout = root / "app" / "templates" / "base.html"
    layout.write_text(layout.read_text() + "<!-- work in progress -->\n")
    args = {"path": str(root), "api_key": "pk", "confirm": True}

    async def body(client: Client) -> tuple[CallToolResult, dict[str, str], CallToolResult]:
        refused = await client.call_tool("apply", args)
        untouched = tree_digest(root)
        applied = await client.call_tool("apply", args | {"allow_dirty": True})
        return refused, untouched, applied

    before = tree_digest(root)
    refused, untouched, applied = over_stdio(body)
    error = error_of(refused)
    assert error["code"] == "refused" and "app/templates/base.html" in error["message"]
    assert untouched == before
    assert document(applied)["status"] == "applied"
    assert "<!-- work in progress -->" in layout.read_text()


def _non_utf8(tmp_path: Path) -> Path:
    root = copy_fixture("flask-login", tmp_path / "latin1")
    models = root / "app" / "models.py"
    models.write_bytes(models.read_bytes().replace(b"class User", b"# caf\xe9\nclass User"))
    return root


def test_errors_are_tool_errors_and_the_server_keeps_serving(tmp_path: Path) -> None:
    rails = tree(tmp_path / "shop", RAILS)
    latin1 = _non_utf8(tmp_path)
    flask = copy_fixture("flask-login", tmp_path)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("plan", {"path": str(tmp_path / "missing")}),
        ("inspect", {"path": str(flask / "config.py")}),
        ("plan", {"path": str(rails)}),
        ("plan", {"path": str(latin1), "api_key": "pk"}),
        ("plan", {"path": str(flask), "delivery": "carrier-pigeon"}),
        ("plan", {"path": str(flask), "api_key": 42}),
        ("inspect", {"path": str(flask), "colour": "blue"}),
        ("apply", {"path": str(flask), "api_key": "pk", "confirm": "yes"}),
        ("inspect", {}),
        ("uninstall", {"path": str(flask)}),
        ("inspect", {"path": str(rails)}),
        ("prompt", {"path": str(rails)}),
    ]

    async def body(client: Client) -> list[CallToolResult]:
        return [await client.call_tool(name, args) for name, args in calls]

    results = over_stdio(body)
    expected = [
        ("usage", 2, "no such directory"),
        ("usage", 2, "not a directory"),
        ("unsupported-stack", 4, "the `prompt` tool"),
        ("bad-input", 6, "app/models.py"),
        ("usage", 2, "--delivery must be one of"),
        ("usage", 2, "`api_key` must be a string"),
        ("usage", 2, "unknown argument(s) colour"),
        ("usage", 2, "`confirm` must be true or false"),
        ("usage", 2, "`path` (the project directory) is required"),
        ("usage", 2, "unknown tool 'uninstall'"),
    ]
    for result, (code, exit_code, message) in zip(results, expected, strict=False):
        error = error_of(result)
        assert (error["code"], error["exit_code"]) == (code, exit_code)
        assert message in error["message"]
    assert error_of(results[3])["file"] == "app/models.py"
    unsupported = document(results[-2])
    assert not results[-2].is_error and unsupported["supported"] is False
    assert "bcb-scaffold prompt" in unsupported["hint"]
    prompt = document(results[-1])
    assert prompt["schema"] == "bcb-scaffold/prompt@1" and "Ruby on Rails" in prompt["prompt"]


def test_an_unexpected_exception_is_a_tool_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process (the same server object): a bug becomes an internal-error document."""
    from scaffolder import engine
    from scaffolder.mcp.server import build

    root = copy_fixture("flask-login", tmp_path)
    real = engine.inspect
    calls = 0

    def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "inspect", flaky)

    async def main() -> tuple[CallToolResult, CallToolResult]:
        async with Client(build(), mode="legacy") as client:
            broken = await client.call_tool("inspect", {"path": str(root)})
            fine = await client.call_tool("inspect", {"path": str(root)})
            return broken, fine

    broken, fine = anyio.run(main)
    error = error_of(broken)
    assert (error["code"], error["exit_code"]) == ("internal-error", 1)
    assert "RuntimeError: boom" in error["message"]
    assert not fine.is_error and document(fine)["stack"]["framework"] == "flask"


def test_server_exits_quietly_at_end_of_input() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scaffolder", "mcp"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


# The server as an editor spawns it, except that its second rename sends the process a real
# signal: the write runs in the server's worker thread, the signal lands in the main thread.
INTERRUPTING_SERVER = r"""
import os, signal, sys
real_replace, renames = os.replace, []
def replace(src, dst):
    renames.append(dst)
    real_replace(src, dst)
    if len(renames) == 2:
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))
os.replace = replace
from scaffolder.mcp.server import serve
serve()
"""


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_during_an_mcp_write_rolls_it_back(tmp_path: Path, sig: str) -> None:
    root = git_repo(copy_fixture("flask-login", tmp_path))
    before = tree_digest(root)
    arguments = {"path": str(root), "api_key": "pk_test", "confirm": True}

    async def main() -> tuple[CallToolResult, BaseException | None]:
        params = StdioServerParameters(
            command=sys.executable, args=["-c", INTERRUPTING_SERVER, sig], cwd=str(ROOT)
        )
        async with Client(params, read_timeout_seconds=120) as client:
            result = await client.call_tool("apply", arguments)
            await anyio.sleep(2)
            try:  # the server stopped after answering
                with anyio.fail_after(10):
                    await client.call_tool("inspect", {"path": str(root)})
            except BaseException as exc:  # whatever the closed session raises
                return result, exc
            return result, None

    result, after = anyio.run(main)
    error = error_of(result)
    assert (error["code"], error["exit_code"]) == ("interrupted", 130)
    assert f"interrupted by {sig} while writing" in error["message"]
    assert "already written were restored" in error["message"]
    assert tree_digest(root) == before
    assert not list(root.rglob("*.bcb-tmp"))
    assert after is not None, "the server kept serving after the signal"
