"""The versions a Django project runs on, for the generated code that depends on them:

- Python before 3.7 (Django 3.2 still supports 3.6) has no `from __future__ import annotations`
  (PEP 563): the module's annotations are strings instead;
- Django before 2.0 has no `django.urls.path`: the route is a `url()` regex.

Both are read by `scaffolder.python.versions` (locks, requirement and runtime files), as for
every Python stack; unknown means current. The JWT library's version is `signing`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffolder.project import Project
from scaffolder.python.versions import Version, installed, python_version


@dataclass(frozen=True)
class Versions:
    python: Version | None
    django: Version | None

    @property
    def future_annotations(self) -> bool:
        return self.python is None or self.python >= (3, 7)

    @property
    def url_regex(self) -> bool:
        return self.django is not None and self.django < (2,)


def versions(project: Project, directory: str) -> Versions:
    """The versions of the project whose manifests are in `directory`."""
    return Versions(
        python=python_version(project, directory),
        django=installed(project, directory, "django"),
    )
