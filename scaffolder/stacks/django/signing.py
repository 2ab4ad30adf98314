"""The JWT library the Django token module signs with: the one the project already has.

The library a manifest declares (`scaffolder.python.jwtlib`: PyJWT, python-jose, joserfc,
Authlib); else the PyJWT that the project's DRF / ninja JWT package installs with it, at the
major it installs: the locked one, else the newest that package release accepts. It is declared
beside the framework with a floor that package accepts, so the patch adds no second library and
no PyJWT the resolver cannot install next to it:

- djangorestframework-jwt requires `PyJWT>=1.5.2,<2.0.0`, and so does its fork drf-jwt before
  1.19 (from 1.19: `<3.0.0`);
- djangorestframework-simplejwt before 4.6 calls `.decode()` on what `jwt.encode` returns, so it
  runs on PyJWT 1.x only; later releases and django-ninja-jwt accept PyJWT 1.7.1 to 2.x.

PyJWT 1.x returns bytes from `jwt.encode` (https://pyjwt.readthedocs.io/en/stable/changelog.html).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python.deps import Requirement, manifests
from scaffolder.python.jwtlib import Signer, pyjwt_signer, signer
from scaffolder.python.versions import Version, installed

# PyJWT 1.7.1 is the last 1.x release (Python 2.7 and 3.4+).
PYJWT_1 = Requirement("PyJWT", (1, 7), (((3, 0), "1.7.1"),))
_JWT_LIBRARIES = frozenset({"pyjwt", "python-jose", "joserfc", "authlib"})


@dataclass(frozen=True)
class Carrier:
    """A package that installs PyJWT; releases before `pyjwt_2_from` need PyJWT 1.x."""

    package: str
    pyjwt_2_from: Version | None  # None: no release runs on PyJWT 2


CARRIERS = (
    Carrier("djangorestframework-simplejwt", (4, 6)),
    Carrier("django-ninja-jwt", (0,)),
    Carrier("drf-jwt", (1, 19)),
    Carrier("djangorestframework-jwt", None),
)


def token_signer(project: Project, builder: PlanBuilder, root: str) -> Signer:
    """How the token module signs, and what it declares (`root`: the manifests' directory)."""
    declared: set[str] = set()
    for manifest in manifests(project, builder, root):
        declared |= manifest.names
    carrier = next((c for c in CARRIERS if c.package in declared), None)
    if declared & _JWT_LIBRARIES or carrier is None:
        return signer(project, builder, root)
    version = installed(project, root, "pyjwt")
    if version is None:
        release = installed(project, root, carrier.package)
        newest_2 = carrier.pyjwt_2_from is not None and (
            release is None or release >= carrier.pyjwt_2_from
        )
        version = None if newest_2 else PYJWT_1.floor
    found = pyjwt_signer(version)
    return replace(found, requirement=PYJWT_1) if version and version < (2,) else found
