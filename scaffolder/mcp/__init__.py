"""The MCP server (`bcb-scaffold mcp`): inspect / plan / apply / prompt as tools for editor
agents, over stdio.

`tools` holds everything the tools do and is independent of the SDK; `server` wires it to the
official `mcp` Python SDK (the optional extra `bcb-scaffold[mcp]`); `config` prints the client
configuration snippets.
"""

from __future__ import annotations

INSTALL_HINT = (
    "the MCP server needs the optional `mcp` package, version 2: "
    "pip install 'bcb-scaffold[mcp]' (or: pip install 'mcp>=2,<3')"
)
