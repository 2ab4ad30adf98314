"""Picking one of several candidates (apps, auth libraries): by the user's answer, or the only
one there is, or else a question. Never a guess."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar, cast

from scaffolder.errors import UsageError
from scaffolder.model import Delivery, Draft, Question

T = TypeVar("T")


def pick(
    candidates: Sequence[T],
    answer: str | None,
    insp: Draft,
    *,
    question: str,
    text: str,
    what: str,
    label: Callable[[T], str],
    aliases: Callable[[T], Iterable[str]] = lambda _: (),
) -> T | None:
    """The candidate the answer names (by label or alias; a UsageError when none matches), the
    only candidate, or None with a question whose choices are the labels."""
    if answer:
        wanted = answer.strip().rstrip("/")
        for candidate in candidates:
            if wanted == label(candidate) or wanted in set(aliases(candidate)):
                return candidate
        found = ", ".join(label(c) for c in candidates) or "none"
        flag = "--" + question.replace("_", "-")
        raise UsageError(f"{flag} {answer}: no {what} there; found {found}")
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        insp.questions.append(Question(question, text, tuple(label(c) for c in candidates)))
    return None


def pick_library(
    found: Sequence[T],
    answer: str | None,
    ids: Collection[str],
    library: Callable[[T], str],
    declared: Callable[[str], T],
) -> T | None:
    """The auth library the answer names (found, or declared by the answer alone), or the only
    one found; None when that takes a question. An unknown id is a UsageError."""
    if answer is not None and answer not in ids:
        raise UsageError(f"--auth must be one of: {', '.join(ids)}")
    if answer:
        return next((x for x in found if library(x) == answer), None) or declared(answer)
    return found[0] if len(found) == 1 else None


def pick_delivery(answer: str | None, rendering: str | None, page_cache: bool) -> Delivery:
    """The answered delivery; else the tag on server-rendered pages, unless a page cache could
    serve an inline token to the wrong visitor; else the token endpoint."""
    if answer:
        return cast(Delivery, answer)  # answer_rules.validate checked it
    if rendering == "server-rendered" and not page_cache:
        return "script-attribute"
    return "token-endpoint"
