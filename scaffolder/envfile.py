"""The signing key's place in env files: an empty `.env.example` entry and a `.gitignore` check.

Never writes a key value anywhere.
"""

from __future__ import annotations

import json
import os

from scaffolder import gitutil
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project

KEY = "BESTCHATBOT_SIGNING_KEY"
KEY_SOURCE = "the BestChatBot dashboard (widget settings > Security / Identity Verification)"
REMINDER = (
    f"Set {KEY} in the app's environment: paste the signing key from {KEY_SOURCE}. "
    "It is a secret: keep it out of git and out of browser code."
)
EXAMPLE_NAMES = (
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "example.env",
    "env.example",
    ".env.local.example",
)
ENV_NAMES = (".env", ".flaskenv", ".env.local", ".env.development", ".env.production")


def _join(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory not in ("", ".") else name


def env_dir(project: Project, app_root: str) -> str:
    """Where the project keeps its env files: the app root, else the project root."""
    for directory in dict.fromkeys([app_root, "."]):
        for name in (*EXAMPLE_NAMES, *ENV_NAMES):
            if project.abspath(_join(directory, name)).is_file():
                return directory
    return app_root


def plan_env_example(project: Project, app_root: str, builder: PlanBuilder) -> None:
    directory = env_dir(project, app_root)
    target = next(
        (
            _join(directory, n)
            for n in EXAMPLE_NAMES
            if project.abspath(_join(directory, n)).is_file()
        ),
        _join(directory, ".env.example"),
    )
    if os.path.lexists(project.abspath(target)) and not project.abspath(target).is_file():
        builder.warn(f"{target} is not a regular file: list {KEY}= where the app's env is set up.")
        return
    text = builder.current(target)
    if text is not None and any(_names_key(line) for line in text.splitlines()):
        builder.skip(target, f"{KEY} is already listed")
        return
    nl = "\r\n" if text and "\r\n" in text else "\n"
    required = _requires_listed(project, directory, app_root)
    lines = [
        "# BestChatBot visitor identity: the signing key from the BestChatBot dashboard",
        "# (widget settings > Security / Identity Verification). Never commit the real value.",
    ]
    if required:
        # dotenv-safe refuses to start when a variable listed here is unset: the site must run
        # without the key (no token, one log line), so the entry is a comment.
        lines.append(f"# Commented out: {required} would make the app refuse to start without it.")
        lines.append(f"# {KEY}=")
    else:
        lines.append(f"{KEY}=")
    entry = nl.join([*lines, ""])
    if text:
        if not text.endswith(("\n", "\r")):
            text += nl
        new = text + (nl if text.strip() else "") + entry
    else:
        new = entry
    builder.write(target, new, f"list {KEY} (empty) for whoever sets up the app")
    if text is None and _ignored(project, target):  # a new file: untracked, so it stays here
        builder.warn(
            f"{target} is git-ignored: the {KEY}= entry stays on this machine; un-ignore it "
            f"(`!{target.rsplit('/', 1)[-1]}` in .gitignore) so whoever sets up the app sees it."
        )
    env = _join(directory, ".env")
    if not _ignored(project, env):
        builder.warn(f"{env} is not git-ignored: add it to .gitignore before you put {KEY} in it.")


def _names_key(line: str) -> bool:
    """`KEY=`, `export KEY=` or the commented `# KEY=` this module writes."""
    name = line.split("=", 1)[0].strip() if "=" in line else ""
    return name.removeprefix("#").strip().removeprefix("export ").strip() == KEY


# Loaders that make every variable of the example file required at start-up.
_STRICT_LOADERS = ("dotenv-safe",)


def _requires_listed(project: Project, *directories: str) -> str | None:
    """The package (dotenv-safe) that fails the app's start when a listed variable is unset."""
    for directory in dict.fromkeys(directories):
        path = _join(directory, "package.json")
        text = project.text(path) if project.exists(path) else None
        try:
            data = json.loads(text) if text else None
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        for section in ("dependencies", "devDependencies"):
            declared = data.get(section)
            if isinstance(declared, dict):
                found = next((n for n in _STRICT_LOADERS if n in declared), None)
                if found:
                    return found
    return None


def _ignored(project: Project, path: str) -> bool:
    ignored = gitutil.is_ignored(project.root, path)
    return project.is_ignored(path) if ignored is None else ignored
