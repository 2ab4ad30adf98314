"""`bcb-scaffold mcp --print-config CLIENT`, and `mcp` without the optional SDK installed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import run

SERVER = {"command": "bcb-scaffold", "args": ["mcp"]}


@pytest.mark.parametrize(
    ("client", "expected", "where"),
    [
        pytest.param(
            "claude-code",
            {"mcpServers": {"bcb-scaffold": {"type": "stdio", **SERVER}}},
            ".mcp.json (or run: claude mcp add --scope project bcb-scaffold -- bcb-scaffold mcp)",
            id="claude-code",
        ),
        pytest.param(
            "cursor",
            {"mcpServers": {"bcb-scaffold": SERVER}},
            ".cursor/mcp.json",
            id="cursor",
        ),
        pytest.param(
            "vscode",
            {"servers": {"bcb-scaffold": {"type": "stdio", **SERVER}}},
            ".vscode/mcp.json",
            id="vscode",
        ),
    ],
)
def test_print_config(client: str, expected: dict[str, object], where: str) -> None:
    result = run("mcp", "--print-config", client)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == expected
    assert result.stdout == json.dumps(expected, indent=2) + "\n"
    assert f"save it as {where}" in result.stderr


def test_print_config_unknown_client() -> None:
    result = run("mcp", "--print-config", "emacs")
    assert result.exit_code == 2
    assert "claude-code" in result.stderr and "vscode" in result.stderr


WITHOUT_SDK = (
    "import sys; sys.modules['mcp'] = None; sys.argv = ['bcb-scaffold', *sys.argv[1:]]; "
    "from scaffolder.cli import main; main()"
)


def test_mcp_without_the_sdk_explains_how_to_install_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SDK, "mcp"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "pip install 'bcb-scaffold[mcp]'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_print_config_needs_no_sdk() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SDK, "mcp", "--print-config", "cursor"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"mcpServers": {"bcb-scaffold": SERVER}}
