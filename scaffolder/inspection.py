"""The inspection sequence every stack follows, with the stack's hooks filled in.

`HookedStack.inspect` runs the same steps for every stack, in this order: pick the app among
the candidates detection found (a question when several), configure it (a further choice such
as Django's settings module), gather the stack's facts, report the stack and its rendering, pick
the auth library and the user's fields (questions for a missing library or email, a note for a
missing name), choose the delivery (a page cache moves it to the endpoint), find the widget or
the layout that should carry it (the API-key question), then the stack's findings. The stack
supplies only the hooks (the abstract methods below); the shared questions and notes come from
`scaffolder.reporting`. The result holds the stack's frozen facts and, once nothing is left to
ask, the frozen `Choices` planning needs (`Settled`).

Stacks that still subclass `registry.Stack` directly keep working unchanged (their own
`inspect` and `plan`): that is the adapter while they migrate.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from scaffolder import choice, exprs, reporting
from scaffolder.escape import url_path
from scaffolder.exclusions import Pages
from scaffolder.markup import Layout, Template, answered_layout
from scaffolder.model import (
    Answers,
    AuthReport,
    Confidence,
    Delivery,
    Draft,
    Evidence,
    Finding,
    Inspection,
    Note,
    Question,
    Rendering,
    StackReport,
    UserExpr,
    UserFields,
    WidgetReport,
)
from scaffolder.paths import common_prefix, is_test_path
from scaffolder.project import Project
from scaffolder.proxy_files import proxy_files
from scaffolder.registry import Detection, Stack

if TYPE_CHECKING:  # the plan's modules load when a plan is made, not for `inspect`
    from scaffolder.plan import PlanBuilder
    from scaffolder.steps import Step

CandT = TypeVar("CandT")
FactsT = TypeVar("FactsT")
AuthT = TypeVar("AuthT")


@dataclass(frozen=True)
class Choices(Generic[AuthT]):
    """What inspection settled for planning: the auth library and the user's expressions (as
    detected or answered), the delivery, the endpoint's prefix and the layout to edit."""

    auth: AuthT
    email: UserExpr
    name: UserExpr | None
    user_id: UserExpr | None
    delivery: Delivery
    endpoint_prefix: str
    layout: Layout | None
    layouts: tuple[Layout, ...] = ()
    """The layout candidates as settled, best first (`layout` is the one the tag goes in; a
    stack that tags each view closing the page, like Express, plans them all)."""
    mounts: tuple[str, ...] = ()
    """The files app-wide client code mounts in, when the stack settles several that are not
    templates (Next.js's chosen root layouts and `_app`); empty for the others."""

    @property
    def endpoint_url(self) -> str:
        return self.endpoint_prefix.rstrip("/") + "/widget-token"


@dataclass(frozen=True)
class Settled(Generic[FactsT, AuthT]):
    """`Inspection.facts` of a hooked stack: the facts found, and the choices once every
    question is answered (None while one is open: nothing is planned then)."""

    found: FactsT
    choices: Choices[AuthT] | None


@dataclass(frozen=True)
class Found(Detection, Generic[CandT]):
    """A detection that carries its typed candidates, so inspection does not look again."""

    candidates: tuple[CandT, ...] = field(default=())


class HookedStack(Stack, Generic[CandT, FactsT, AuthT]):
    """A stack as hooks; `inspect` and `plan` are the shared sequence. See CONTRIBUTING.md."""

    candidate_type: type[CandT]
    facts_type: type[FactsT]
    auth_type: type[AuthT]
    app_question: str
    """The question when several apps are found ("Several Flask apps are created here: ...")."""
    auth_question: str
    """The question when no auth library is found."""
    auth_ambiguous: str
    """The question when several are found."""

    # -- hooks: candidates and facts ---------------------------------------------------------

    @abstractmethod
    def candidates(self, project: Project) -> list[CandT]:
        """The apps this framework builds here (pure: read the project, return findings)."""

    @abstractmethod
    def candidate_evidence(self, candidate: CandT) -> Evidence:
        """Why a candidate is this framework's app (the detection's evidence)."""

    @abstractmethod
    def candidate_path(self, candidate: CandT) -> str:
        """The file that builds the app (apps in test paths give way to the others)."""

    @abstractmethod
    def candidate_label(self, candidate: CandT) -> str:
        """How the `app` question lists it, and the answer naming it."""

    def candidate_aliases(self, candidate: CandT) -> tuple[str, ...]:
        """Other answers naming it (a module path without `.py`...)."""
        return ()

    def app_answer(self, answer: str) -> str:
        """The `--app` answer as the labels spell it: by default as given (Next.js also takes
        `dir/package.json`)."""
        return answer

    @property
    def candidate_kind(self) -> str:
        """What an `--app` answer naming none of them says is missing ("no Flask app there")."""
        return f"{self.name} app"

    def detection_evidence(self, candidates: Sequence[CandT]) -> tuple[Evidence, ...]:
        """The detection's evidence: by default each candidate's."""
        return tuple(self.candidate_evidence(c) for c in candidates)

    def detection_confidence(self, candidates: Sequence[CandT]) -> Confidence | None:
        """How sure detection is that the candidates are this stack's apps; None: the stack is
        not here. By default "high" for any candidate (a stack whose `candidates` also returns
        a fallback for `--framework`, e.g. Django's project at the root, says otherwise)."""
        return "high" if candidates else None

    def preferred_candidates(self, candidates: list[CandT]) -> list[CandT]:
        """The candidates left when no `--app` answer names one (a lone one is chosen, several
        are the `app` question): by default the apps outside test paths, else all."""
        return [c for c in candidates if not is_test_path(self.candidate_path(c))] or candidates

    def undecided_report(self) -> StackReport:
        """The stack report while the `app` question is open (by default: nothing settled)."""
        return StackReport()

    def configure(
        self,
        project: Project,
        detection: Detection,
        candidate: CandT,
        answers: Answers,
        insp: Draft,
    ) -> CandT | None:
        """The chosen app as the answers configure it, for a choice its files leave open beyond
        the app itself (Django's settings module): by default the candidate. None when that
        takes a question (the hook asks it and sets `insp.stack`)."""
        return candidate

    @abstractmethod
    def facts(self, project: Project, candidate: CandT) -> FactsT:
        """Everything planning or reporting needs about the chosen app (frozen)."""

    def settle_facts(
        self, project: Project, facts: FactsT, answers: Answers, insp: Draft
    ) -> FactsT:
        """The facts with what the answers settle before the stack report, asking what they
        leave open (Next.js's root layouts to mount in, which its report lists): by default
        the facts as found."""
        return facts

    def mounts(self, facts: FactsT) -> tuple[str, ...]:
        """`Choices.mounts`: the files app-wide client code mounts in (by default none)."""
        return ()

    @abstractmethod
    def stack_report(self, project: Project, facts: FactsT) -> StackReport:
        """Language, framework, rendering, app root and evidence."""

    # -- hooks: auth -------------------------------------------------------------------------

    @abstractmethod
    def auth_candidates(self, project: Project, facts: FactsT) -> list[AuthT]:
        """The sign-in libraries found in use."""

    def declared_auth(self, library: str) -> AuthT:
        """The library `--auth` names when detection did not find it (a stack overrides this,
        or `answered_auth` when the library's facts depend on the app's)."""
        raise NotImplementedError(f"{self.id}: override declared_auth or answered_auth")

    def answered_auth(self, project: Project, facts: FactsT, library: str) -> AuthT:
        """The library `--auth` names when detection did not find it, read from the app's facts
        (Django's user model is the same whatever the library): by default `declared_auth`."""
        return self.declared_auth(library)

    @abstractmethod
    def auth_library(self, auth: AuthT) -> str: ...

    def user_fields(self, auth: AuthT) -> UserFields:
        """The user's email / name / id expressions detected for that library (a stack
        overrides this, or `auth_fields` when reading them takes the project)."""
        raise NotImplementedError(f"{self.id}: override user_fields or auth_fields")

    def auth_fields(self, project: Project, facts: FactsT, auth: AuthT) -> UserFields:
        """The chosen library's user fields, read from the project where the library's facts
        do not carry them (FastAPI reads the dependency's user model): by default
        `user_fields`."""
        return self.user_fields(auth)

    @abstractmethod
    def user_names(self, auth: AuthT) -> frozenset[str]:
        """The names an answered expression may start from (`current_user`, `g`...)."""

    @abstractmethod
    def auth_evidence(self, auth: AuthT) -> tuple[Evidence, ...]: ...

    def preferred_auth(self, found: list[AuthT]) -> list[AuthT]:
        """The libraries left when no `--auth` answer names one (a lone one is chosen, several
        are the `auth` question): by default all found (Express keeps the outermost layers)."""
        return found

    def auth_ambiguous_text(self, found: Sequence[AuthT]) -> str:
        """The `auth` question when several are found: by default `auth_ambiguous`."""
        return self.auth_ambiguous

    def auth_options(self, found: Sequence[AuthT]) -> tuple[str, ...]:
        """The `auth` question's choices: by default every supported library (Next.js offers
        the providers found, when there are any)."""
        return self.auth_ids

    def undecided_auth(self, found: Sequence[AuthT]) -> AuthReport:
        """The auth report while the `auth` question is open: by default nothing settled."""
        return AuthReport(confidence="low")

    def auth_notes(self, auth: AuthT, name: UserExpr | None) -> list[Note]:
        """The notes on the chosen library: by default the no-name note when no name is known."""
        return [] if name else [reporting.no_name_note()]

    def shown_expr(self, auth: AuthT, expr: UserExpr | None) -> UserExpr | None:
        """An email / name / id expression as the report shows it: by default as planned
        (Express shows it through the real accessor, `req.user.email`)."""
        return expr

    @abstractmethod
    def email_question(self, auth: AuthT) -> str:
        """The `email_expr` question's text, with an example chain from this stack's user."""

    # -- hooks: delivery and the widget ------------------------------------------------------

    widget_needs_auth: bool = False
    """Whether placing the widget waits for the auth library: while the `auth` question is
    open, no widget is reported and no API key asked (Next.js mounts inside the provider)."""
    widget_tag: str = "tag"
    """How the `api_key` question calls the widget's tag (Next.js: its `<Script>`)."""

    @abstractmethod
    def api_prefixes(self, facts: FactsT) -> list[str]:
        """The app's API prefixes; the endpoint goes under their common prefix (else /api)."""

    @abstractmethod
    def page_cache(self, facts: FactsT) -> Sequence[Evidence]: ...

    behind_proxy: bool = True
    """Whether a proxy configured in the repository may sit in front of the app, so the
    endpoint goes under a prefix it forwards (Next.js, whose own rewrites lead elsewhere and
    which serves its pages itself, says no)."""

    def delivery(
        self, facts: FactsT, answer: str | None, rendering: Rendering | None, page_cache: bool
    ) -> Delivery:
        """The delivery: answered, else `choice.pick_delivery`'s rule (a stack whose facts
        settle it otherwise, or forbid an answer, overrides this)."""
        return choice.pick_delivery(answer, rendering, page_cache)

    def notes(self, facts: FactsT, delivery: Delivery, answers: Answers) -> list[Note]:
        """The notes after the findings: by default one page-cache note per cache found."""
        return [reporting.page_cache_note(e.file, e.line) for e in self.page_cache(facts)]

    @abstractmethod
    def widget_found(self, project: Project, facts: FactsT) -> WidgetReport | None:
        """The widget tag already there (`reporting.widget_found`), or None."""

    def widget_report(
        self, project: Project, facts: FactsT, delivery: Delivery
    ) -> WidgetReport | None:
        """The tag already there as this delivery reports it (by default `widget_found`)."""
        return self.widget_found(project, facts)

    def uses_layout(self, facts: FactsT, delivery: Delivery) -> bool:
        """Whether this delivery puts the tag in a layout template (then `--layout`, or the
        `layout` question, settles which): by default, the tag delivery does."""
        return delivery == "script-attribute"

    @abstractmethod
    def templates(self, facts: FactsT) -> dict[str, Template]:
        """The templates `--layout` may name."""

    @abstractmethod
    def layout_candidates(self, facts: FactsT) -> list[Layout]:
        """The base layouts, most used first."""

    @abstractmethod
    def widget_target(
        self, facts: FactsT, delivery: Delivery, layout: Layout | None
    ) -> tuple[str, int, str] | None:
        """Where the missing tag goes (path, line, why); `layout` is None for the endpoint."""

    @abstractmethod
    def needs_tag(self, facts: FactsT, delivery: Delivery) -> bool:
        """Whether this delivery adds a widget tag somewhere (and so needs the API key)."""

    @abstractmethod
    def findings(self, facts: FactsT, layouts: Sequence[Layout]) -> list[Finding]:
        """The stack's extra findings (`layouts`: the layout candidates as settled)."""

    def settled_findings(
        self,
        facts: FactsT,
        layouts: Sequence[Layout],
        auth: AuthT | None,
        delivery: Delivery,
        prefix: str,
        answers: Answers,
    ) -> list[Finding]:
        """The findings with what inspection settled (`auth`: None while its question is open;
        FastAPI lists the dependency, the endpoint's router and the SPA's token around
        `findings`): by default `findings`."""
        return self.findings(facts, layouts)

    def widget_pages(
        self, project: Project, facts: FactsT, layouts: Sequence[Layout], delivery: Delivery
    ) -> Pages:
        """The app's own page exclusion the widget follows, and the pages that will or will
        not carry it (other layouts, standalone pages, public viewers: `scaffolder.exclusions`):
        by default none listed."""
        return Pages()

    # -- hooks: the plan ---------------------------------------------------------------------

    @abstractmethod
    def steps(
        self,
        project: Project,
        inspection: Inspection[object],
        facts: FactsT,
        choices: Choices[AuthT],
    ) -> list[Step]:
        """The plan: a short list of `scaffolder.steps` bound to this stack's content."""

    # -- the sequence ------------------------------------------------------------------------

    def detect(self, project: Project) -> Detection | None:
        found = self.candidates(project)
        confidence = self.detection_confidence(found)
        if confidence is None:
            return None
        return Found(self.id, confidence, self.detection_evidence(found), tuple(found))

    def inspect(
        self, project: Project, detection: Detection, answers: Answers
    ) -> Inspection[Settled[FactsT, AuthT]]:
        insp = Draft(root=project.root)
        found = self._candidates(project, detection)
        candidate = self._choose(found, answers, insp)
        if candidate is None:
            if not found:
                insp.supported = False
                insp.stack = StackReport(language=self.language, framework=None, confidence="low")
            else:
                insp.stack = self.undecided_report()
            return insp.freeze()
        configured = self.configure(project, detection, candidate, answers, insp)
        if configured is None:
            return insp.freeze()
        facts = self.settle_facts(project, self.facts(project, configured), answers, insp)
        insp.stack = self.stack_report(project, facts)
        auth = self._auth(project, facts, answers, insp)
        prefix = self._prefix(project, facts, answers, insp)
        page_cache = bool(self.page_cache(facts))
        delivery = self.delivery(facts, answers.delivery, insp.stack.rendering, page_cache)
        insp.delivery = delivery
        picked = auth[0] if auth is not None else None
        layouts = (
            self.settle_widget_for(project, facts, picked, delivery, answers, insp)
            if auth is not None or not self.widget_needs_auth
            else []
        )
        insp.findings = self.settled_findings(facts, layouts, picked, delivery, prefix, answers)
        pages = self.widget_pages(project, facts, layouts, delivery)  # issue 15
        insp.findings += pages.findings()
        insp.notes.extend(pages.notes())
        insp.notes.extend(self.notes(facts, delivery, answers))
        choices = None
        if auth is not None and not insp.questions:
            email = auth[1]
            assert email is not None  # no email is a question
            layout = layouts[0] if self.uses_layout(facts, delivery) and layouts else None
            choices = Choices(
                auth[0],
                email,
                auth[2],
                auth[3],
                delivery,
                prefix,
                layout,
                tuple(layouts),
                self.mounts(facts),
            )
        return insp.freeze(Settled(facts, choices))

    def plan(self, project: Project, inspection: Inspection[object], builder: PlanBuilder) -> None:
        settled = inspection.facts
        if not isinstance(settled, Settled) or settled.choices is None:
            raise TypeError(f"{self.id}: planning an inspection that did not settle")
        facts, auth = settled.found, settled.choices.auth
        if not isinstance(facts, self.facts_type) or not isinstance(auth, self.auth_type):
            raise TypeError(f"{self.id}: planning another stack's inspection")
        from scaffolder.steps import run

        run(builder, self.steps(project, inspection, facts, settled.choices))

    def _prefix(self, project: Project, facts: FactsT, answers: Answers, insp: Draft) -> str:
        """The endpoint's prefix: answered, else under the routes' common prefix (else /api),
        moved under what a proxy in front of the app forwards (a note; the `api_prefix`
        question when none fits)."""
        if answers.api_prefix:
            return "/" + url_path(answers.api_prefix).strip("/")
        routes = self.api_prefixes(facts)
        default = "/" + (common_prefix(routes) or "/api").strip("/")
        if not self.behind_proxy or not proxy_files(project.files):
            return default
        from scaffolder import proxies  # its readers, for the apps with a proxy's file

        found = proxies.reach(proxies.forwards(project), default, routes, insp.stack.app_root)
        if found.prefix is None:
            assert found.forward is not None
            insp.questions.append(reporting.proxy_question(found.forward, found.offered))
            return default
        if found.forward is not None:
            insp.notes.append(reporting.proxy_note(found.forward, found.prefix, default))
        return found.prefix

    def _candidates(self, project: Project, detection: Detection) -> list[CandT]:
        if isinstance(detection, Found):
            kept = [c for c in detection.candidates if isinstance(c, self.candidate_type)]
            if len(kept) == len(detection.candidates):
                return kept
        return self.candidates(project)

    def _choose(self, found: list[CandT], answers: Answers, insp: Draft) -> CandT | None:
        return choice.pick(
            found if answers.app else self.preferred_candidates(found),
            self.app_answer(answers.app) if answers.app else None,
            insp,
            question="app",
            text=self.app_question,
            what=self.candidate_kind,
            label=self.candidate_label,
            aliases=self.candidate_aliases,
        )

    def pick_auth(
        self, project: Project, facts: FactsT, answers: Answers, insp: Draft
    ) -> AuthT | None:
        """The library `--auth` names, or the only one preferred; None with the `auth`
        question and the undecided report when that takes one. A stack whose answers pick
        the sign-in otherwise (FastAPI's `--user-dependency`) overrides this."""
        found = self.auth_candidates(project, facts)
        if not answers.auth:
            found = self.preferred_auth(found)
        chosen = choice.pick_library(
            found,
            answers.auth,
            self.auth_ids,
            self.auth_library,
            lambda library: self.answered_auth(project, facts, library),
        )
        if chosen is None:
            text = self.auth_ambiguous_text(found) if found else self.auth_question
            insp.questions.append(Question("auth", text, self.auth_options(found)))
            insp.auth = self.undecided_auth(found)
        return chosen

    def _auth(
        self, project: Project, facts: FactsT, answers: Answers, insp: Draft
    ) -> tuple[AuthT, UserExpr | None, UserExpr | None, UserExpr | None] | None:
        chosen = self.pick_auth(project, facts, answers, insp)
        if chosen is None:
            return None
        fields = self.auth_fields(project, facts, chosen)
        email, name, user_id = exprs.user_exprs(
            fields.email,
            fields.name,
            fields.user_id,
            answers,
            self.language,
            self.user_names(chosen),
        )
        insp.auth = AuthReport(
            self.auth_library(chosen),
            self.shown_expr(chosen, email),
            self.shown_expr(chosen, name),
            self.shown_expr(chosen, user_id),
            fields.confidence if email else "low",
            self.auth_evidence(chosen),
        )
        if email is None:
            insp.questions.append(reporting.email_question(self.email_question(chosen)))
        insp.notes.extend(self.auth_notes(chosen, name))
        return chosen, email, name, user_id

    def settle_widget_for(
        self,
        project: Project,
        facts: FactsT,
        auth: AuthT | None,
        delivery: Delivery,
        answers: Answers,
        insp: Draft,
    ) -> list[Layout]:
        """`settle_widget` for the chosen library (None while its question is open): by
        default the same for any. FastAPI overrides this: its SPA's bearer token, a question
        asked before the API key's, depends on the user dependency."""
        return self.settle_widget(project, facts, delivery, answers, insp)

    def settle_widget(
        self,
        project: Project,
        facts: FactsT,
        delivery: Delivery,
        answers: Answers,
        insp: Draft,
    ) -> list[Layout]:
        """Report the widget (found, or where it goes) and ask what placing it needs; the
        layouts as settled. A stack that tags each of several views rather than one layout
        (Express) overrides this, calling the same hooks."""
        layouts = self.layout_candidates(facts)
        present = self.widget_report(project, facts, delivery)
        if present is not None:
            insp.widget = present
            return layouts
        target = None
        if self.uses_layout(facts, delivery):
            layouts = self._layouts(facts, layouts, answers, insp)
            if layouts and not _tied(layouts):
                target = self.widget_target(facts, delivery, layouts[0])
        else:
            target = self.widget_target(facts, delivery, None)
        if target is not None:
            insp.widget = reporting.widget_target(*target)
        if (
            self.needs_tag(facts, delivery)
            and not answers.api_key
            and (target is not None or delivery == "token-endpoint")
        ):
            insp.questions.append(reporting.api_key_question(self.widget_tag))
        return layouts

    def _layouts(
        self, facts: FactsT, layouts: list[Layout], answers: Answers, insp: Draft
    ) -> list[Layout]:
        """The layout `--layout` names, the detected ones, or a lone full page; a question when
        there is none or several are used alike."""
        templates = self.templates(facts)
        if answers.layout:
            layouts = [answered_layout(templates, layouts, answers.layout, insp.root)]
        if not layouts:
            # No template inherits from another: a lone full page (holding </body>) is the layout.
            pages = [t for t in templates.values() if t.has_body_close and not t.extends]
            if len(pages) == 1:
                layouts = [Layout(pages[0], "body", 0)]
        if not layouts:
            insp.questions.append(
                Question(
                    "layout",
                    "No base layout holding </body> was found: which template should carry the "
                    "widget tag?",
                    tuple(sorted(t.path for t in templates.values()))[:20],
                )
            )
        elif _tied(layouts):
            best = layouts[0]
            insp.questions.append(
                Question(
                    "layout",
                    "Several layouts could carry the widget tag: which one do signed-in pages use?",
                    tuple(
                        lay.template.path
                        for lay in layouts
                        if (lay.mode, lay.extenders) == (best.mode, best.extenders)
                    ),
                )
            )
        return layouts


def _tied(layouts: Sequence[Layout]) -> bool:
    best = layouts[0]
    return sum((lay.mode, lay.extenders) == (best.mode, best.extenders) for lay in layouts) > 1
