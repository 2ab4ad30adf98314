"""tsconfig / jsconfig: JSON with comments, extends, aliases, resolution, specifiers."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.js import jsonc
from scaffolder.js.tsconfig import load, resolve, specifier_for
from scaffolder.project import Project

TSCONFIG = """\
{
  // Next.js writes this file
  "extends": "./tsconfig.base.json",
  "compilerOptions": {
    "strict": true, /* strict mode */
    "paths": {
      "@/*": ["./src/*"],
      "~lib/*": ["./src/lib/*",],
    },
  },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx"],
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "tsconfig.json").write_text(TSCONFIG)
    (tmp_path / "tsconfig.base.json").write_text('{"compilerOptions": {"jsx": "preserve"}}')
    for path in ("src/lib/supabase/server.ts", "src/components/index.tsx", "src/app/layout.tsx"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    return Project(tmp_path)


def test_load_follows_extends_and_comments(project: Project) -> None:
    config = load(project, ".")
    assert config.path == "tsconfig.json"
    assert config.options == {"jsx": "preserve", "strict": True, "paths": config.options["paths"]}
    assert config.aliases == [("@/", "src"), ("~lib/", "src/lib")]
    assert config.includes("src/types/bestchatbot.d.ts")
    assert not config.includes("src/types/bestchatbot.js")


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        pytest.param("@/lib/supabase/server", "src/lib/supabase/server.ts", id="alias"),
        pytest.param("~lib/supabase/server", "src/lib/supabase/server.ts", id="second alias"),
        pytest.param("../lib/supabase/server", "src/lib/supabase/server.ts", id="relative"),
        pytest.param("../lib/supabase/server.js", "src/lib/supabase/server.ts", id="ESM .js"),
        pytest.param("@/components", "src/components/index.tsx", id="index file"),
        pytest.param("next/server", None, id="package"),
    ],
)
def test_resolve(project: Project, specifier: str, expected: str | None) -> None:
    assert resolve(project, load(project, "."), "src/app/layout.tsx", specifier) == expected


def test_specifier_for(project: Project) -> None:
    config = load(project, ".")
    assert (
        specifier_for(config, "src/app/layout.tsx", "src/components/identity.tsx")
        == "@/components/identity"
    )
    bare = load(Project(project.root / "src"), ".")
    assert specifier_for(bare, "app/layout.tsx", "components/identity.tsx") == (
        "../components/identity"
    )
    assert specifier_for(bare, "app/layout.tsx", "app/identity/index.tsx") == "./identity"


def test_root_alias(tmp_path: Path) -> None:
    (tmp_path / "jsconfig.json").write_text('{"compilerOptions": {"paths": {"@/*": ["./*"]}}}')
    config = load(Project(tmp_path), ".")
    assert config.aliases == [("@/", ".")]
    assert specifier_for(config, "app/layout.js", "components/x.jsx") == "@/components/x"


def test_jsonc_offsets() -> None:
    value = jsonc.parse('{"a": [1, 2.5, true, null], /* c */ "b": "x"}')
    assert value.to_python() == {"a": [1, 2.5, True, None], "b": "x"}
    member = value.member("b")
    assert member is not None and (member.key_start, member.value.start) == (36, 41)
    with pytest.raises(jsonc.JsonError):
        jsonc.parse('{"a": 1,}', comments=False)
