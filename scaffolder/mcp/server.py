"""The stdio MCP server, on the official `mcp` Python SDK's low-level `Server` (mcp 2.x).

The low-level server is used rather than `MCPServer` because the tools' arguments are derived
at run time from `Answers` and their output schemas are the shipped JSON Schema files. Tool
calls run one at a time in a worker thread: the analysis is synchronous, and serialising calls
keeps a `plan` and an `apply` on the same project from interleaving.
https://modelcontextprotocol.io/specification/2025-06-18/server/tools
"""

from __future__ import annotations

import json
import signal
from types import FrameType
from typing import Any

import anyio
import anyio.to_thread
from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from scaffolder import __version__
from scaffolder.mcp import tools

INSTRUCTIONS = (
    "bcb-scaffold wires BestChatBot visitor identity (a backend-signed HS256 JWT, key from "
    "BESTCHATBOT_SIGNING_KEY) into web apps. Call `inspect`, then `plan` and show the user its "
    "diff; call `apply` with `confirm: true` only once the user agrees, then pass on its "
    "reminder. Open questions name the argument that answers them (their `id`). When a stack "
    "is unsupported, call `prompt` and follow the prompt it returns."
)


def _tool(spec: tools.ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=tools.input_schema(spec),
        output_schema=tools.output_schema(spec),
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=spec.read_only,
            destructive_hint=not spec.read_only,
            idempotent_hint=True,
            open_world_hint=False,
        ),
    )


def build(stop: anyio.Event | None = None, stopping: list[int] | None = None) -> Server[Any]:
    """The server. A signal that came during a write (`stopping`, filled by `serve`'s handler)
    sets `stop` once that call has answered, so the server ends after the rolled-back write."""
    lock = anyio.Lock()
    listing = [_tool(spec) for spec in tools.TOOLS]

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listing)

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        async with lock:
            outcome = await anyio.to_thread.run_sync(tools.call, params.name, params.arguments)
        if stop is not None and stopping:
            stop.set()
        text = json.dumps(outcome.document, indent=2, ensure_ascii=False)
        return types.CallToolResult(
            content=[types.TextContent(text=text)],
            structured_content=outcome.document,
            is_error=outcome.is_error,
        )

    return Server(
        "bcb-scaffold",
        version=__version__,
        title="bcb-scaffold",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def _serve(stopping: list[int]) -> None:
    stop = anyio.Event()
    server = build(stop, stopping)
    async with stdio_server() as (read_stream, write_stream), anyio.create_task_group() as tg:

        async def run() -> None:
            await server.run(read_stream, write_stream, server.create_initialization_options())
            tg.cancel_scope.cancel()

        tg.start_soon(run)
        await stop.wait()
        await anyio.sleep(0.5)  # the interrupted call's answer reaches the client first
        tg.cancel_scope.cancel()


def serve() -> None:
    """Serve MCP on stdin/stdout until the client closes stdin.

    Tool calls run in a worker thread, where SIGINT / SIGTERM never arrive: while a write is
    under way, the main thread hands them to it (it rolls back, and the call answers with an
    `interrupted` error); the server then stops. Outside a write they act as before."""
    from scaffolder import writer

    stopping: list[int] = []
    previous: dict[int, Any] = {
        int(s): signal.getsignal(s) or signal.SIG_DFL for s in writer.SIGNALS
    }

    def handler(signum: int, frame: FrameType | None) -> None:
        if writer.deliver(signum):
            stopping.append(signum)
            return
        signal.signal(signum, previous[signum])
        signal.raise_signal(signum)

    for sig in writer.SIGNALS:
        signal.signal(sig, handler)
    try:
        anyio.run(_serve, stopping)
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
