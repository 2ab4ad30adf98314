"""`bcb-scaffold mcp --print-config CLIENT`: the configuration snippet each editor reads.

Claude Code: https://docs.anthropic.com/en/docs/claude-code/mcp (project scope: `.mcp.json`).
Cursor: https://cursor.com/docs/mcp (`.cursor/mcp.json`, or `~/.cursor/mcp.json` globally).
VS Code: https://code.visualstudio.com/docs/copilot/reference/mcp-configuration
(`.vscode/mcp.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SERVER_NAME = "bcb-scaffold"
COMMAND = "bcb-scaffold"
ARGS = ["mcp"]


@dataclass(frozen=True)
class ClientConfig:
    client: str
    file: str
    """Where the snippet goes, relative to the project root."""
    document: dict[str, Any]
    how: str

    @property
    def text(self) -> str:
        return json.dumps(self.document, indent=2) + "\n"


CLIENTS: dict[str, ClientConfig] = {
    "claude-code": ClientConfig(
        "Claude Code",
        ".mcp.json",
        {"mcpServers": {SERVER_NAME: {"type": "stdio", "command": COMMAND, "args": ARGS}}},
        f"or run: claude mcp add --scope project {SERVER_NAME} -- {COMMAND} {' '.join(ARGS)}",
    ),
    "cursor": ClientConfig(
        "Cursor",
        ".cursor/mcp.json",
        {"mcpServers": {SERVER_NAME: {"command": COMMAND, "args": ARGS}}},
        "or ~/.cursor/mcp.json for every project",
    ),
    "vscode": ClientConfig(
        "VS Code",
        ".vscode/mcp.json",
        {"servers": {SERVER_NAME: {"type": "stdio", "command": COMMAND, "args": ARGS}}},
        "or run `MCP: Add Server` from the command palette",
    ),
}
