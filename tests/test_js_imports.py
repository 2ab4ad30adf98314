"""Imports and requires: finding them, the module system, adding one in the file's style."""

from __future__ import annotations

import pytest

from scaffolder.errors import BadInput
from scaffolder.js.imports import (
    add_import,
    add_require,
    ensure_import,
    find_imports,
    imported,
    module_system,
)
from scaffolder.js.style import Style
from scaffolder.js.syntax import Source

LAYOUT = """\
import type { Metadata } from "next";
import { Inter } from "next/font/google";
import "./globals.css";

export default function RootLayout() {}
"""


@pytest.mark.parametrize(
    ("path", "before", "kwargs", "after"),
    [
        pytest.param(
            "app/layout.tsx",
            LAYOUT,
            {"module": "next/script", "default": "Script"},
            LAYOUT.replace('google";\n', 'google";\nimport Script from "next/script";\n'),
            id="package import joins the packages, before relative ones",
        ),
        pytest.param(
            "app/layout.tsx",
            LAYOUT,
            {"module": "@/components/identity", "default": "Identity"},
            LAYOUT.replace(
                'google";\n', 'google";\nimport Identity from "@/components/identity";\n'
            ),
            id="alias import after the packages",
        ),
        pytest.param(
            "app/layout.tsx",
            LAYOUT,
            {"module": "./identity", "default": "Identity"},
            LAYOUT.replace('.css";\n', '.css";\nimport Identity from "./identity";\n'),
            id="relative import last",
        ),
        pytest.param(
            "app/layout.tsx",
            LAYOUT,
            {"module": "next/font/google", "names": ("Roboto",)},
            LAYOUT.replace("{ Inter }", "{ Inter, Roboto }"),
            id="name joins an existing import of the module",
        ),
        pytest.param(
            "a.ts",
            "import {\n  a,\n  b,\n} from 'x'\n",
            {"module": "x", "names": ("c",)},
            "import {\n  a,\n  b,\n  c,\n} from 'x'\n",
            id="multi-line list keeps its trailing comma",
        ),
        pytest.param(
            "a.ts",
            "import {\n  a,\n  b\n} from 'x'\n",
            {"module": "x", "names": ("c",), "style": Style(trailing_commas=False)},
            "import {\n  a,\n  b,\n  c\n} from 'x'\n",
            id="multi-line list without trailing comma",
        ),
        pytest.param(
            "a.js",
            "import x from 'y'\n\nx()\n",
            {"module": "jose", "names": ("SignJWT",)},
            "import x from 'y'\nimport { SignJWT } from 'jose'\n\nx()\n",
            id="single quotes, no semicolons",
        ),
        pytest.param(
            "c.tsx",
            '"use client";\n\nexport default function C() {}\n',
            {"module": "react", "names": ("useEffect", "useState")},
            '"use client";\n\nimport { useEffect, useState } from "react";\n\n'
            "export default function C() {}\n",
            id="after the use client directive",
        ),
        pytest.param(
            "c.tsx",
            "'use client'\nexport default function C() {}\n",
            {"module": "react", "names": ("useEffect",)},
            "'use client'\n\nimport { useEffect } from 'react'\n\nexport default function C() {}\n",
            id="directive without a blank line",
        ),
        pytest.param(
            "c.ts",
            "export const x = 1;\n",
            {"module": "jose", "names": ("SignJWT",)},
            'import { SignJWT } from "jose";\n\nexport const x = 1;\n',
            id="no imports at all",
        ),
        pytest.param(
            "c.ts",
            "import { a } from 'x';\r\n\r\na();\r\n",
            {"module": "y", "default": "y"},
            "import { a } from 'x';\r\nimport y from 'y';\r\n\r\na();\r\n",
            id="CRLF",
        ),
        pytest.param(
            "c.ts",
            'import type { A } from "x";\n',
            {"module": "x", "names": ("b",)},
            'import type { A } from "x";\nimport { b } from "x";\n',
            id="type-only import is not extended with a value",
        ),
        pytest.param(
            "c.ts",
            'import x from "x";\n',
            {"module": "x", "names": ("b",)},
            'import x from "x";\nimport { b } from "x";\n',
            id="default-only import gets a sibling statement",
        ),
    ],
)
def test_add_import(path: str, before: str, kwargs: dict[str, object], after: str) -> None:
    result = add_import(Source.of(path, before), **kwargs)  # type: ignore[arg-type]
    assert result == after
    again = add_import(Source.of(path, result), **kwargs)  # type: ignore[arg-type]
    assert again == result


@pytest.mark.parametrize(
    ("before", "kwargs"),
    [
        pytest.param(
            LAYOUT, {"module": "next", "names": ("Metadata",), "type_only": True}, id="type"
        ),
        pytest.param(LAYOUT, {"module": "next/font/google", "names": ("Inter",)}, id="named"),
        pytest.param(
            'import S from "next/script";\n',
            {"module": "next/script", "default": "S"},
            id="default",
        ),
    ],
)
def test_add_import_noop(before: str, kwargs: dict[str, object]) -> None:
    assert add_import(Source.of("a.tsx", before), **kwargs) == before  # type: ignore[arg-type]


REQUIRES = """\
'use strict'
const express = require('express')
const { Router } = require('express')

module.exports = {}
"""


@pytest.mark.parametrize(
    ("before", "kwargs", "after"),
    [
        pytest.param(
            REQUIRES,
            {"module": "jsonwebtoken", "default": "jwt"},
            REQUIRES.replace(
                "('express')\n\n", "('express')\nconst jwt = require('jsonwebtoken')\n\n"
            ),
            id="default after the last require",
        ),
        pytest.param(
            REQUIRES,
            {"module": "express", "names": ("json",)},
            REQUIRES.replace("{ Router }", "{ Router, json }"),
            id="name joins a destructuring require",
        ),
        pytest.param(
            "'use strict';\n\nmodule.exports = 1;\n",
            {"module": "jsonwebtoken", "default": "jwt"},
            "'use strict';\n\nconst jwt = require('jsonwebtoken');\n\nmodule.exports = 1;\n",
            id="after use strict",
        ),
        pytest.param(
            "const a = require('a');\n",
            {"module": "b", "default": "b", "names": ("c",)},
            "const a = require('a');\nconst b = require('b');\nconst { c } = require('b');\n",
            id="default and names",
        ),
    ],
)
def test_add_require(before: str, kwargs: dict[str, object], after: str) -> None:
    result = add_require(Source.of("app.js", before), **kwargs)  # type: ignore[arg-type]
    assert result == after
    assert add_require(Source.of("app.js", result), **kwargs) == result  # type: ignore[arg-type]


def test_add_require_noop() -> None:
    assert add_require(Source.of("a.js", REQUIRES), "express", default="express") == REQUIRES


def test_ensure_import_dispatches_on_module_system() -> None:
    src = Source.of("a.js", "const a = require('a')\n")
    assert ensure_import(src, "b", "commonjs", default="b") == (
        "const a = require('a')\nconst b = require('b')\n"
    )
    assert ensure_import(src, "b", "esm", default="b").startswith("import b from 'b'\n")


def test_find_imports() -> None:
    src = Source.of(
        "a.ts",
        'import D, { a, b as c } from "x";\nimport * as ns from "y";\n'
        'import type { T } from "z";\nconst { q, r: s } = require("w");\n'
        'const t = require("v").thing;\nrequire("side");\n',
    )
    found = {(i.kind, i.source): i for i in find_imports(src)}
    x = found["import", "x"]
    assert (x.default, x.names, x.line) == ("D", (("a", "a"), ("b", "c")), 1)
    assert found["import", "y"].namespace == "ns"
    assert found["import", "z"].type_only
    assert found["require", "w"].names == (("q", "q"), ("r", "s"))
    assert found["require", "v"].names == (("thing", "t"),)
    assert ("require", "side") in found
    assert imported(src, "x", "b") == "c"
    assert imported(src, "x") == "D"
    assert imported(src, "x", "zz") is None


@pytest.mark.parametrize(
    ("path", "text", "package_type", "expected"),
    [
        pytest.param("a.mjs", "", None, "esm", id="mjs"),
        pytest.param("a.cjs", "", "module", "commonjs", id="cjs"),
        pytest.param("a.js", "import x from 'x'\n", None, "esm", id="import statement"),
        pytest.param("a.js", "export const a = 1\n", None, "esm", id="export statement"),
        pytest.param("a.js", "const x = require('x')\n", "module", "commonjs", id="require"),
        pytest.param("a.js", "module.exports = 1\n", None, "commonjs", id="module.exports"),
        pytest.param("a.js", "console.log(1)\n", "module", "esm", id="package type module"),
        pytest.param("a.js", "console.log(1)\n", "commonjs", "commonjs", id="package type cjs"),
        pytest.param("a.ts", "console.log(1)\n", None, "esm", id="typescript"),
    ],
)
def test_module_system(path: str, text: str, package_type: str | None, expected: str) -> None:
    assert module_system(Source.of(path, text), package_type) == expected


def test_broken_result_is_refused() -> None:
    # A module name that breaks the statement: the splice is re-parsed and refused.
    src = Source.of("a.ts", 'import a from "a";\n')
    with pytest.raises(BadInput, match="does not parse"):
        add_import(src, "b", default="b from")
