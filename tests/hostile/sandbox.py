"""A dedicated temporary directory per case: the project copy alone in `box/`, an `outside/`
directory the answers point at, and a `work/` directory that is every process's working
directory. It proves that nothing outside the project changed and that nothing ran."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.helpers import FIXTURES, ROOT, tree_digest
from tests.hostile.values import MARKER

# What an answer pointing outside the project finds there: a layout of every engine, a
# settings module, a dependency module, a theme file.
PAGE = "<!doctype html>\n<html>\n  <body>\n    <p>outside</p>\n  </body>\n</html>\n"
OUTSIDE_FILES = {
    **{f"evil{suffix}": PAGE for suffix in (".html", ".ejs", ".hbs", ".njk", ".php")},
    "evil.pug": "doctype html\nhtml\n  body\n    p outside\n",
    "evil.tsx": "export default function Layout({ children }) {\n  return <html><body>{children}"
    "</body></html>;\n}\n",
    "settings.py": "INSTALLED_APPS = []\nSECRET_KEY = 'outside'\n",
    "deps.py": "def get_current_user():\n    return None\n",
}


class Sandbox:
    def __init__(
        self,
        tmp: Path,
        fixture: str,
        *,
        files: dict[str, str] | None = None,
        prepare: Callable[[Path], None] | None = None,
    ) -> None:
        self.tmp = tmp
        self.box = tmp / "box"
        self.outside = tmp / "outside"
        self.work = tmp / "work"
        for d in (self.box, self.outside, self.work):
            d.mkdir()
        self.root = self.box / fixture
        if files is None:
            shutil.copytree(FIXTURES / fixture, self.root, symlinks=True)
        else:
            for path, text in files.items():
                (self.root / path).parent.mkdir(parents=True, exist_ok=True)
                (self.root / path).write_text(text)
        if prepare is not None:
            prepare(self.root)
        for name, text in OUTSIDE_FILES.items():
            (self.outside / name).write_text(text)
        self.snapshot()

    def snapshot(self) -> None:
        """Record the project and its surroundings as they are now (after planting links)."""
        self.before = tree_digest(self.root)
        self.outside_before = tree_digest(self.outside)
        self.box_before = sorted(os.listdir(self.box))
        self.tmp_before = sorted(os.listdir(self.tmp))

    def link(self, rel: str, target: Path) -> str:
        """A symlink inside the project pointing at `target`; returns its project path."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target, target_is_directory=target.is_dir())
        self.snapshot()
        return rel

    # -- assertions -------------------------------------------------------------------------

    def assert_untouched(self) -> None:
        """Every file of the copy byte-identical, nothing changed outside it, nothing ran."""
        assert tree_digest(self.root) == self.before, "the project copy changed"
        self.assert_outside_untouched()

    def assert_outside_untouched(self) -> None:
        assert sorted(os.listdir(self.box)) == self.box_before, "a file appeared beside the copy"
        assert sorted(os.listdir(self.tmp)) == self.tmp_before, "a file appeared in the sandbox"
        assert tree_digest(self.outside) == self.outside_before, "the outside directory changed"
        self.assert_nothing_ran()

    def assert_nothing_ran(self) -> None:
        found = {str(p) for p in marker_files(self.tmp)}
        found |= {
            str(d / MARKER)
            for d in (ROOT, Path.cwd(), Path.home(), Path(tempfile.gettempdir()))
            if (d / MARKER).exists()
        }
        assert not found, f"a hostile answer ran: {sorted(found)}"


def marker_files(top: Path) -> list[Path]:
    """Files named like the marker under `top`, without following symlinks (node_modules)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        out += [Path(dirpath) / n for n in filenames + dirnames if MARKER in n]
    return out
