"""TypeScript -> JavaScript for generated code."""

from __future__ import annotations

import pytest

from scaffolder.js.types import StripError, strip_types


@pytest.mark.parametrize(
    ("ts", "js"),
    [
        pytest.param(
            'import type { User } from "firebase/auth";\nimport { a } from "a";\n',
            'import { a } from "a";\n',
            id="type-only import",
        ),
        pytest.param(
            'import { useState, type ReactNode } from "react";\n',
            'import { useState } from "react";\n',
            id="type specifier",
        ),
        pytest.param(
            'import { type A, type B } from "x";\nconst a = 1;\n',
            "const a = 1;\n",
            id="only type specifiers",
        ),
        pytest.param(
            "const a = 1;\n\ninterface W {\n  set(t: string): void;\n}\n\nconst b = 2;\n",
            "const a = 1;\n\nconst b = 2;\n",
            id="interface between blank lines",
        ),
        pytest.param(
            "declare global {\n  interface Window { x?: number }\n}\nexport type K = string;\n",
            "",
            id="declare global and exported type alias",
        ),
        pytest.param(
            "function f<T>(a: string, b?: number): Promise<void> {\n"
            "  const [u] = useState<User | null>(null);\n"
            "  let t: ReturnType<typeof setTimeout> | undefined;\n"
            "  return g(a as unknown as string, w!, x satisfies Y);\n}\n",
            "function f(a, b) {\n  const [u] = useState(null);\n  let t;\n"
            "  return g(a, w, x);\n}\n",
            id="annotations, generics, casts, non-null",
        ),
        pytest.param(
            "export default function C({ children }: { children: ReactNode }) {\n"
            "  return <div>{children}</div>;\n}\n",
            "export default function C({ children }) {\n  return <div>{children}</div>;\n}\n",
            id="JSX component props",
        ),
        pytest.param("const a = 1;\n", "const a = 1;\n", id="noop"),
    ],
)
def test_strip_types(ts: str, js: str) -> None:
    assert strip_types(ts) == js


def test_strip_types_refuses_unparseable_source() -> None:
    with pytest.raises(StripError):
        strip_types("const = ;")
