"""Whether Python code runs only for a signed-in user: the guards of the no-auth-guard rule.

A node is guarded when its function guards it (an enclosing `if current_user.is_authenticated`,
an earlier `if user is None: return`, `@login_required`, `LoginRequiredMixin`, DRF's
IsAuthenticated, a FastAPI dependency that always yields a user), or when every way into the
function is guarded: the call that entered it, else every call of it in the project. A
function the project only references (a view, a context processor, a dependency) is entered by
the framework, for anyone, unless the reference is wrapped (`login_required(view)`).

A test guards when it checks the object the claims are read from, or a value it was loaded from
(`subjects`: `if g.get("neighbour") is None: return None` before `g.neighbour.email`), whatever
it is called; a test on a name that looks like a user's (`user`, `current_user`) guards too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from scaffolder.check.python.index import (
    At,
    Ctx,
    Func,
    Index,
    Module,
    Use,
    const_str,
    default_of,
    is_optional,
    name_of,
    params,
)
from scaffolder.check.python.subjects import Subjects, path

USERISH = re.compile(r"(?i)user|member|account|principal|viewer|customer|person|identity|^me$")
NOT_USER = re.compile(r"(?i)email|token|claims|name|key|agent")
LOGGED_IN_CALL = re.compile(
    r"(?i)^(is_)?(user_)?(logged_?in|authenticated|signed_?in)$|^is_user_logged_in$"
)
GUARD_DECORATOR = re.compile(
    r"login_required|auth(entication)?_required|jwt_required|permission_required|"
    r"user_passes_test|requires?_(auth|login|user)|staff_member_required|roles_(required|accepted)"
    r"|IsAuthenticated"
)
GUARD_BASE = re.compile(r"LoginRequiredMixin|PermissionRequiredMixin|UserPassesTestMixin")
ANONYMOUS_CLASS = re.compile(r"Anonymous|Unauthenticated")
VERIFY_CALL = re.compile(r"^verify_(id_token|session_cookie)$")
MAX_DEPTH = 10


def userish(expr: ast.AST | None) -> bool:
    name = name_of(expr) if expr is not None else ""
    return bool(USERISH.search(name)) and not NOT_USER.search(name)


def implies_user(test: ast.AST, truth: bool, subjects: Subjects = frozenset()) -> bool:
    """Whether `test` evaluating to `truth` means the visitor is signed in: `subjects` are the
    objects the claims are read from (a check on one is a guard)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return implies_user(test.operand, not truth, subjects)
    if isinstance(test, ast.BoolOp):
        every = isinstance(test.op, ast.And) != truth  # And-false / Or-true: all must imply
        found = [implies_user(v, truth, subjects) for v in test.values]
        return all(found) if every else any(found)
    if isinstance(test, ast.NamedExpr):
        return implies_user(test.target, truth, subjects) or implies_user(
            test.value, truth, subjects
        )
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _compare(test, truth, subjects)
    if truth and path(test) in subjects:
        return True
    if isinstance(test, ast.Attribute) and test.attr in ("is_authenticated", "is_active"):
        return truth
    if isinstance(test, ast.Attribute) and test.attr == "is_anonymous":
        return not truth
    if isinstance(test, ast.Call):
        return _call_test(test, truth)
    if isinstance(test, ast.Subscript):
        return truth and _userish_key(test.slice)
    return truth and isinstance(test, (ast.Name, ast.Attribute)) and userish(test)


def _compare(test: ast.Compare, truth: bool, subjects: Subjects) -> bool:
    op, right = test.ops[0], test.comparators[0]
    if isinstance(right, ast.Constant) and right.value is None:
        if isinstance(op, (ast.IsNot, ast.NotEq)):
            return truth and implies_user(test.left, True, subjects)
        if isinstance(op, (ast.Is, ast.Eq)):
            return not truth and implies_user(test.left, True, subjects)
    if isinstance(op, (ast.In, ast.NotIn)):  # `"user_id" in session`, `"neighbour" in g`
        present = truth != isinstance(op, ast.NotIn)
        owner = path(right)
        checked = owner is not None and f"{owner}.{const_str(test.left)}" in subjects
        return present and (checked or (_userish_key(test.left) and name_of(right) == "session"))
    return False


def _call_test(test: ast.Call, truth: bool) -> bool:
    name = name_of(test.func)
    if name == "isinstance" and len(test.args) == 2:
        return not truth and bool(ANONYMOUS_CLASS.search(ast.unparse(test.args[1])))
    if LOGGED_IN_CALL.search(name):
        return truth
    if name == "get" and isinstance(test.func, ast.Attribute) and test.args:
        return truth and _userish_key(test.args[0])  # session.get("user_id"), g.get("user")
    return truth and userish(test) and not name.startswith(("is_", "has_"))


def _userish_key(node: ast.AST) -> bool:
    key = const_str(node)
    return key is not None and bool(USERISH.search(key)) and not NOT_USER.search(key)


def _exits(body: list[ast.stmt]) -> bool:
    """The block leaves the function: return / raise, or Flask's abort()."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and name_of(last.value.func) == "abort"
    )


def _guards_after(stmt: ast.stmt, subjects: Subjects) -> bool:
    """An earlier statement that lets only signed-in users past it."""
    if isinstance(stmt, ast.If):
        if implies_user(stmt.test, False, subjects) and _exits(stmt.body):
            return True
        return implies_user(stmt.test, True, subjects) and _exits(stmt.orelse)
    if isinstance(stmt, ast.Assert):
        return implies_user(stmt.test, True, subjects)
    if isinstance(stmt, ast.Try):  # try: verify ... except ...: raise
        handled = all(_exits(h.body) for h in stmt.handlers)
        return handled and any(_guards_after(s, subjects) for s in stmt.body)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Expr)):
        # firebase-admin raises on an invalid ID token: what follows has a verified user
        return any(
            isinstance(n, ast.Call) and VERIFY_CALL.match(name_of(n.func)) for n in ast.walk(stmt)
        )
    return False


@dataclass
class Guards:
    index: Index
    _entered: dict[tuple[Func, Subjects], bool] = field(default_factory=dict)

    def guarded(
        self, node: ast.AST, ctx: Ctx, subjects: Subjects = frozenset(), depth: int = 0
    ) -> bool:
        """Whether only signed-in visitors reach `node`; `subjects`: the objects the claims are
        read from."""
        if self.local(node, ctx, subjects):
            return True
        if ctx.func is None or depth > MAX_DEPTH:
            return False
        if ctx.call is not None:
            return self.guarded(ctx.call.node, ctx.call.ctx, subjects, depth + 1)
        return self._every_entry_guarded(ctx.func, subjects, depth)

    def _every_entry_guarded(self, func: Func, subjects: Subjects, depth: int) -> bool:
        key = (func, subjects)
        if key in self._entered:
            return self._entered[key]
        self._entered[key] = False  # a cycle guards nothing
        uses = self.index.uses(func)
        result = bool(uses) and all(self._use_guarded(u, subjects, depth) for u in uses)
        self._entered[key] = result
        return result

    def _use_guarded(self, use: Use, subjects: Subjects, depth: int) -> bool:
        if use.call is None:  # referenced: the framework calls it, guarded only when wrapped
            parent = use.mod.parents.get(use.node)
            return (
                parent is not None
                and isinstance(parent[0], ast.Call)
                and bool(GUARD_DECORATOR.search(ast.unparse(parent[0].func)))
            )
        return self.guarded(use.call, Ctx(use.mod, use.func), subjects, depth + 1)

    def entry_path(self, ctx: Ctx) -> list[tuple[Module, Func]]:
        """The functions on the ways into `ctx`: its own, those of the calls that entered it,
        and every caller above them (bounded)."""
        found: dict[Func, Module] = {}
        todo = [ctx]
        while todo and len(found) < 40:
            current = todo.pop()
            if current.func is None or current.func in found:
                continue
            found[current.func] = current.mod
            if current.call is not None:
                todo.append(current.call.ctx)
                continue
            # calls only: a reference (`app.context_processor(f)`) is not a way in through the
            # function that holds it
            uses = self.index.uses(current.func)
            todo.extend(Ctx(u.mod, u.func) for u in uses if u.call is not None)
        return [(mod, func) for func, mod in found.items()]

    # -- within one function ------------------------------------------------------------------

    def local(self, node: ast.AST, ctx: Ctx, subjects: Subjects) -> bool:
        """Guarded by its own function: enclosing tests, earlier early exits, the function's
        decorators, class and dependencies."""
        mod, func = ctx.mod, ctx.func
        if func is not None and self.function_guarded(mod, func):
            return True
        child = node
        while child is not func:
            up = mod.parents.get(child)
            if up is None:
                return False
            parent, fieldname = up
            if (
                isinstance(parent, (ast.If, ast.IfExp, ast.While))
                and fieldname != "test"
                and implies_user(parent.test, fieldname == "body", subjects)
            ):
                return True
            if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.And):
                before = parent.values[: parent.values.index(child)]  # type: ignore[arg-type]
                if any(implies_user(v, True, subjects) for v in before):
                    return True
            statements = getattr(parent, fieldname)
            before = statements[: statements.index(child)] if isinstance(statements, list) else []
            if any(isinstance(s, ast.stmt) and _guards_after(s, subjects) for s in before):
                return True
            child = parent
        return False

    def function_guarded(self, mod: Module, func: Func) -> bool:
        decorators = [ast.unparse(d) for d in func.decorator_list]
        if any(GUARD_DECORATOR.search(d) for d in decorators):
            return True
        owner = mod.enclosing_class(func)
        if owner is not None and self._class_guarded(owner):
            return True
        if any(self._dependency_guards(mod, func, name) for name in params(func)):
            return True
        for decorator in func.decorator_list:
            if isinstance(decorator, ast.Call):
                for kw in decorator.keywords:
                    listed = kw.value.elts if isinstance(kw.value, (ast.List, ast.Tuple)) else []
                    depends = listed if kw.arg == "dependencies" else []
                    if any(self._guarding_depends(mod, d, None) for d in depends):
                        return True
        drf = owner is not None and any(
            name_of(b) in ("APIView", "GenericAPIView", "ViewSet", "ModelViewSet")
            for b in owner.bases
        )
        drf = drf or any(d.startswith("api_view") for d in decorators)
        explicit = any("permission_classes" in d for d in decorators) or (
            owner is not None and "permission_classes" in ast.unparse(owner)
        )
        return drf and not explicit and self._drf_default_authenticated()

    def _class_guarded(self, cls: ast.ClassDef) -> bool:
        if any(GUARD_BASE.search(ast.unparse(b)) for b in cls.bases):
            return True
        if any(GUARD_DECORATOR.search(ast.unparse(d)) for d in cls.decorator_list):
            return True
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and any(
                name_of(t) == "permission_classes" for t in stmt.targets
            ):
                text = ast.unparse(stmt.value)
                return "IsAuthenticated" in text and "AllowAny" not in text
        return False

    def _drf_default_authenticated(self) -> bool:
        for at in self.index.setting("REST_FRAMEWORK") or []:
            if isinstance(at.node, ast.Dict):
                for key, value in zip(at.node.keys, at.node.values, strict=True):
                    if const_str(key) == "DEFAULT_PERMISSION_CLASSES":
                        text = ast.unparse(value)
                        return "IsAuthenticated" in text and "AllowAny" not in text
        return False

    # -- FastAPI dependencies -----------------------------------------------------------------

    def _dependency_guards(self, mod: Module, func: Func, name: str) -> bool:
        """A parameter `user: User = Depends(get_current_user)` (or `Annotated[User,
        Depends(...)]`, or an alias of one) whose dependency always yields a user."""
        arg = params(func)[name]
        annotation = arg.annotation
        found = self._annotated(mod, annotation)
        if found is not None:
            typ, depends = found
            return self._guarding_depends(mod, depends, typ)
        default = default_of(func, name)
        return default is not None and self._guarding_depends(mod, default, annotation)

    def _annotated(self, mod: Module, annotation: ast.AST | None) -> tuple[ast.AST, ast.AST] | None:
        """`Annotated[T, Depends(dep)]` (followed through an alias): (T, the Depends call)."""
        if isinstance(annotation, ast.Name):
            for at in self.index.global_value(mod, annotation.id) or []:
                if isinstance(at.node, ast.Subscript):
                    return self._annotated(at.ctx.mod, at.node)
            return None
        if not isinstance(annotation, ast.Subscript) or name_of(annotation.value) != "Annotated":
            return None
        elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
        for extra in elements[1:]:
            if isinstance(extra, ast.Call) and name_of(extra.func) in ("Depends", "Security"):
                return elements[0], extra
        return None

    def _guarding_depends(self, mod: Module, call: ast.AST, typ: ast.AST | None) -> bool:
        if not isinstance(call, ast.Call) or name_of(call.func) not in ("Depends", "Security"):
            return False
        dependency = call.args[0] if call.args else None
        if dependency is None or is_optional(typ):
            return False
        target = self.index.function(mod, dependency)
        if target is not None:
            returns = target[1].returns
            return not is_optional(returns) and (userish(dependency) or userish(returns))
        for leaf in self.index.values(At(dependency, Ctx(mod, None))):
            if isinstance(leaf.node, ast.Call) and any(
                kw.arg == "optional"
                and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)
                for kw in leaf.node.keywords
            ):
                return False
        return userish(dependency)
