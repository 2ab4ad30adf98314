"""TypeScript -> JavaScript with JSDoc types (`scaffolder.js.jsdoc`): exact before / after
pairs for each construct generated code uses, the noop on plain JavaScript, and refusals."""

from __future__ import annotations

from textwrap import dedent

import pytest

from scaffolder.js.jsdoc import to_jsdoc
from scaffolder.js.types import StripError


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            """\
            type WidgetUser = {
              email: string;
              name?: string | null;
            };
            """,
            """\
            /**
             * @typedef {object} WidgetUser
             * @property {string} email
             * @property {string | null} [name]
             */
            """,
            id="object type alias: typedef with properties",
        ),
        pytest.param(
            'type Widget = NonNullable<Window["BestChatBot"]>;\n',
            '/** @typedef {NonNullable<Window["BestChatBot"]>} Widget */\n',
            id="other type alias: one-line typedef",
        ),
        pytest.param(
            'import type { NextApiRequest, NextApiResponse as Res } from "next";\n',
            '/** @typedef {import("next").NextApiRequest} NextApiRequest */\n'
            '/** @typedef {import("next").NextApiResponse} Res */\n',
            id="type-only import: typedefs",
        ),
        pytest.param(
            'import React, { type ReactNode, useState } from "react";\n',
            'import React, { useState } from "react";\n\n'
            '/** @typedef {import("react").ReactNode} ReactNode */\n',
            id="inline type specifier: the values stay imported",
        ),
        pytest.param(
            """\
            import { SignJWT } from "jose";
            import type { NextApiRequest } from "next";
            import { getServerSession } from "next-auth";

            export const x = 1;
            """,
            """\
            import { SignJWT } from "jose";
            import { getServerSession } from "next-auth";

            /** @typedef {import("next").NextApiRequest} NextApiRequest */

            export const x = 1;
            """,
            id="typedefs after the imports",
        ),
        pytest.param(
            """\
            // Null while the key is not set.
            async function sign({ email }: WidgetUser, ttl?: number): Promise<string | null> {
              return email;
            }
            """,
            """\
            /**
             * Null while the key is not set.
             * @param {WidgetUser} widgetUser
             * @param {number} [ttl]
             * @returns {Promise<string | null>}
             */
            async function sign({ email }, ttl) {
              return email;
            }
            """,
            id="function: the comment above becomes the description",
        ),
        pytest.param(
            """\
            export default async function handler(req: NextApiRequest) {
              return req;
            }
            """,
            """\
            /** @param {NextApiRequest} req */
            export default async function handler(req) {
              return req;
            }
            """,
            id="exported function: the block above the export",
        ),
        pytest.param(
            """\
            function run() {
              let timer: ReturnType<typeof setTimeout> | undefined;
              const apply = (token: string | null) => token;
              return [1].map((n: number) => n + 1);
            }
            """,
            """\
            function run() {
              /** @type {ReturnType<typeof setTimeout> | undefined} */
              let timer;
              /** @param {string | null} token */
              const apply = (token) => token;
              return [1].map((/** @type {number} */ n) => n + 1);
            }
            """,
            id="variables, a const arrow function, an inline arrow",
        ),
        pytest.param(
            """\
            const { token } = ok
              ? ((await response.json()) as { token: string | null })
              : { token: null };
            const { exp } = JSON.parse(json) as { exp: number };
            """,
            """\
            const { token } = ok
              ? (/** @type {{ token: string | null }} */ (await response.json()))
              : { token: null };
            const { exp } = /** @type {{ exp: number }} */ (JSON.parse(json));
            """,
            id="casts",
        ),
        pytest.param(
            "const client = create(process.env.URL!, config.key!);\n",
            "const client = create(/** @type {string} */ (process.env.URL), "
            "/** @type {NonNullable<typeof config.key>} */ (config.key));\n",
            id="non-null assertions",
        ),
        pytest.param(
            "const [a, setA] = useState<string | null>();\nconst [b] = useState<number>(0);\n",
            "const [a, setA] = useState(/** @type {string | null | undefined} */ (undefined));\n"
            "const [b] = useState(/** @type {number} */ (0));\n",
            id="useState's type argument",
        ),
        pytest.param(
            """\
            const cookies = {
              setAll(cookiesToSet: Parameters<SetAllCookies>[0]) {
                return cookiesToSet;
              },
            };
            """,
            """\
            const cookies = {
              /** @param {Parameters<SetAllCookies>[0]} cookiesToSet */
              setAll(cookiesToSet) {
                return cookiesToSet;
              },
            };
            """,
            id="method",
        ),
    ],
)
def test_to_jsdoc(before: str, after: str) -> None:
    assert to_jsdoc(dedent(before)) == dedent(after)


def test_plain_javascript_is_unchanged() -> None:
    code = dedent(
        """\
        import { useEffect } from "react";

        // a function without types keeps its line comment
        export function Thing({ id }) {
          useEffect(() => {}, [id]); // trailing
          return null;
        }
        """
    )
    assert to_jsdoc(code) == code


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("enum Color { Red }\n", id="enum"),
        pytest.param("function id<T>(x: T): T {\n  return x;\n}\n", id="generic function"),
        pytest.param("const x = make<string>(1, 2);\n", id="generic call of another function"),
        pytest.param("const x = f()!;\n", id="non-null call"),
        pytest.param("interface A {\n  b: string;\n}\n", id="interface"),
        pytest.param("let a: string, b: number;\n", id="two typed declarators"),
    ],
)
def test_what_jsdoc_cannot_say_is_refused(code: str) -> None:
    with pytest.raises(StripError):
        to_jsdoc(code)
