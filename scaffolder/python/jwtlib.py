"""The JWT library the generated Python code signs the widget token with.

The one the project already declares, when it signs HS256 (`scaffolder.python.deps` then finds
it declared and adds nothing): PyJWT (1.x returns bytes from `jwt.encode`,
https://pyjwt.readthedocs.io/en/stable/changelog.html#v2-0-0), python-jose
(`jwt.encode(claims, key, algorithm=...)`, a str), joserfc, or Authlib: `authlib.jose` before
1.7 (`jwt.encode(header, claims, key)`, bytes); from 1.7 on `authlib.jose` is deprecated for
joserfc, which Authlib itself depends on (https://docs.authlib.org/en/latest/jose/), so the
code signs with joserfc and declares it. Else PyJWT, declared by the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.deps import PYJWT, Requirement, manifests
from scaffolder.python.versions import installed

# Authlib 1.7 needs joserfc 1.6 (and Python 3.10); PyPI's Requires-Python of joserfc: 1.8 needs
# 3.11, 1.7 needs 3.10.
JOSERFC = Requirement(
    "joserfc", (1, 6), (((3, 11), "1.8.0"), ((3, 10), "1.7.7"), ((3, 9), "1.6.8"))
)


@dataclass(frozen=True)
class Signer:
    """How the token module signs: what it imports and the statements that return the token
    of `claims` signed with `key`, and the requirement the project must declare."""

    library: str
    requirement: Requirement
    imports: tuple[tuple[str, str], ...]  # (module, name); name "" for `import module`
    sign: tuple[str, ...]  # the lines of the function body, unindented

    def import_lines(self) -> list[str]:
        return [f"from {m} import {n}" if n else f"import {m}" for m, n in self.imports]


def pyjwt_signer(version: tuple[int, ...] | None) -> Signer:
    """PyJWT as the project installs it (`version`; None: a current release)."""
    sign: tuple[str, ...]
    if version is not None and version < (2,):
        sign = (
            'token = jwt.encode(claims, key, algorithm="HS256")',
            "# PyJWT 1.x returns bytes, PyJWT 2 a str.",
            "return token.decode() if isinstance(token, bytes) else token",
        )
    else:
        sign = ('return jwt.encode(claims, key, algorithm="HS256")',)
    return Signer("PyJWT", PYJWT, (("jwt", ""),), sign)


PYTHON_JOSE = Signer(
    "python-jose",
    Requirement("python-jose"),
    (("jose", "jwt"),),
    ('return jwt.encode(claims, key, algorithm="HS256")',),
)
JOSE_RFC = Signer(
    "joserfc",
    JOSERFC,
    (("joserfc", "jwt"), ("joserfc.jwk", "OctKey")),
    ('return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(key))',),
)
AUTHLIB = Signer(
    "Authlib",
    Requirement("Authlib"),
    (("authlib.jose", "jwt"),),
    (
        "# Authlib returns the token as bytes.",
        'return jwt.encode({"alg": "HS256"}, claims, key).decode()',
    ),
)
AUTHLIB_DEPRECATES_JOSE = (1, 7)


def signer(project: Project, builder: PlanBuilder, app_root: str) -> Signer:
    """The library the project declares (PyJWT first), else PyJWT."""
    declared: set[str] = set()
    for manifest in manifests(project, builder, app_root):
        declared |= manifest.names
    if "pyjwt" in declared:
        return pyjwt_signer(installed(project, app_root, "pyjwt"))
    if "python-jose" in declared:
        return PYTHON_JOSE
    if "joserfc" in declared:
        return JOSE_RFC
    if "authlib" in declared:
        version = installed(project, app_root, "authlib")
        if version is None or version >= AUTHLIB_DEPRECATES_JOSE:
            return JOSE_RFC
        return AUTHLIB
    return pyjwt_signer(None)
