"""Anchors on the syntax tree (calls, exports, JSX) and checked splices."""

from __future__ import annotations

import pytest

from scaffolder.errors import BadInput
from scaffolder.js.syntax import (
    Source,
    callee_name,
    checked_splice,
    default_export,
    exports,
    find_calls,
    insert_child,
    jsx_elements,
    returned_jsx,
)


def test_find_calls() -> None:
    src = Source.of(
        "a.ts",
        "const { data } = await supabase.auth.getUser();\n"
        "const s = await auth0?.getSession();\n"
        "getUser();\n",
    )
    assert [callee_name(src, c) for c in find_calls(src, ".getUser")] == ["supabase.auth.getUser"]
    assert len(find_calls(src, "getUser")) == 1
    assert callee_name(src, find_calls(src, "auth0.getSession")[0]) == "auth0.getSession"


@pytest.mark.parametrize(
    ("text", "name", "is_async"),
    [
        pytest.param("export default function RootLayout() {}\n", "RootLayout", False, id="decl"),
        pytest.param("export default async function L() {}\n", "L", True, id="async decl"),
        pytest.param("const App = () => null;\nexport default App;\n", "App", False, id="arrow"),
        pytest.param("function A() {}\nexport default memo(A);\n", "A", False, id="wrapped"),
        pytest.param("export default () => null;\n", None, False, id="anonymous arrow"),
    ],
)
def test_default_export(text: str, name: str | None, is_async: bool) -> None:
    fn = default_export(Source.of("a.tsx", text))
    assert fn is not None
    assert (fn.name, fn.is_async) == (name, is_async)


def test_default_export_missing() -> None:
    assert default_export(Source.of("a.ts", "export const a = 1;\n")) is None


def test_exports_esm_and_commonjs() -> None:
    esm = Source.of(
        "auth.ts",
        "export const { handlers, auth, signIn } = NextAuth({});\n"
        "export async function createClient() {}\n"
        "const authOptions = {};\nexport { authOptions as options };\n",
    )
    found = exports(esm)
    assert set(found) == {"handlers", "auth", "signIn", "createClient", "options"}
    assert found["auth"].type == "call_expression"
    assert found["options"].type == "object"
    cjs = Source.of(
        "auth.js",
        "const passport = require('passport');\nfunction requireUser() {}\n"
        "module.exports = { passport, requireUser, other: 1 };\nexports.x = requireUser;\n",
    )
    assert set(exports(cjs)) == {"passport", "requireUser", "other", "x"}
    assert exports(cjs)["x"].type == "function_declaration"


LAYOUT = """\
export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className={inter.className}>
        <ClerkProvider>{children}</ClerkProvider>
        <Script src="https://x/chat.js" data-api-key='k' async />
      </body>
    </html>
  );
}
"""


def test_jsx_elements_and_attributes() -> None:
    src = Source.of("layout.tsx", LAYOUT)
    fn = default_export(src)
    assert fn is not None
    [html] = returned_jsx(src, fn)
    assert html.name == "html" and html.attributes["lang"].value == "en"
    [body] = jsx_elements(src, None, "body")
    assert body.attributes["className"].expression == "inter.className"
    [script] = jsx_elements(src, body.node, "Script")
    assert script.self_closing
    assert script.attributes["data-api-key"].value == "k"
    assert script.attributes["async"].value is None
    assert src.line(script.node) == 6


@pytest.mark.parametrize(
    ("text", "tag", "after"),
    [
        pytest.param(
            LAYOUT,
            "body",
            LAYOUT.replace("async />\n", "async />\n        <Identity />\n"),
            id="closing tag on its own line",
        ),
        pytest.param(
            LAYOUT,
            "ClerkProvider",
            LAYOUT.replace("{children}</Clerk", "{children}<Identity /></Clerk"),
            id="inline element",
        ),
        pytest.param(
            "const a = (\n\t<body>\n\t</body>\n);\n",
            "body",
            "const a = (\n\t<body>\n\t\t<Identity />\n\t</body>\n);\n",
            id="no children yet, tabs",
        ),
    ],
)
def test_insert_child(text: str, tag: str, after: str) -> None:
    src = Source.of("layout.tsx", text)
    [element] = jsx_elements(src, None, tag)
    unit = "\t" if "\t" in text else "  "
    edit = insert_child(src, element, "<Identity />", unit)
    assert checked_splice(text, [edit], "tsx", "layout.tsx") == after


def test_checked_splice_refuses_broken_code() -> None:
    with pytest.raises(BadInput, match=r"layout.tsx: the planned edit does not parse"):
        checked_splice("const a = 1;\n", [(10, 11, "(")], "typescript", "layout.tsx")


def test_checked_splice_tolerates_already_broken_code() -> None:
    # A file tree-sitter cannot parse before the edit is not blamed on the edit.
    assert checked_splice("const = ;\n", [(0, 0, "// x\n")], "typescript", "a.ts").startswith(
        "// x"
    )
