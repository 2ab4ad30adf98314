"""Whether PHP code runs only for a logged-in user: an enclosing `if ( is_user_logged_in() )`, an
earlier `if ( ! is_user_logged_in() ) { return; }`, or every way in guarded: the calls of the
function, or the hook that runs it (`wp_ajax_*` actions run for logged-in users only; a REST
route's `permission_callback`). A test guards when it checks the object the claims are read
from, or a value it was loaded from (`subjects`: `if ( ! $visitor ) { return; }` before
`$visitor->user_email`), whatever it is called; a test on a name that looks like a user's
guards too."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from scaffolder import treesitter as ts
from scaffolder.check.php.index import (
    CALLS,
    At,
    Ctx,
    PhpIndex,
    arguments,
    call_name,
    element_pairs,
    enclosing,
    string_value,
    text,
)

LOGGED_IN_CALLS = frozenset({"is_user_logged_in", "current_user_can", "get_current_user_id"})
EXIT_CALLS = frozenset({"wp_die", "die", "exit", "wp_send_json_error", "wp_send_json"})
USERISH = re.compile(r"(?i)user|member|account|customer")
NOT_USER = re.compile(r"(?i)email|token|claims|name|key")
SUBJECT_NODES = frozenset({"variable_name", "member_access_expression", "subscript_expression"})
LOGGED_IN_HOOK = re.compile(
    r"^(wp_ajax_(?!nopriv_)|admin_post_(?!nopriv_)|admin_(footer|head|notices))"
)


@dataclass
class Guards:
    index: PhpIndex
    _guarded: dict[tuple[Node, frozenset[str]], bool] = field(default_factory=dict)

    def guarded(
        self, node: Node, ctx: Ctx, subjects: frozenset[str] = frozenset(), depth: int = 0
    ) -> bool:
        """Whether only logged-in visitors reach `node`; `subjects`: the objects the claims are
        read from."""
        if self._local(node, ctx, subjects):
            return True
        func = ctx.func
        if func is None or depth > 10:
            return False
        if ctx.call is not None:
            return self.guarded(ctx.call.node, ctx.call.ctx, subjects, depth + 1)
        key = (func, subjects)
        if key in self._guarded:
            return self._guarded[key]
        self._guarded[key] = False
        if func.type in ("anonymous_function", "arrow_function"):
            result = self._registered_for_users(func)
        else:
            uses = self.index.uses(func)
            result = bool(uses) and all(
                self._registered_for_users(u.node)
                if u.call is None
                else self.guarded(u.call, Ctx(u.file, enclosing(u.node)), subjects, depth + 1)
                for u in uses
            )
        self._guarded[key] = result
        return result

    def _registered_for_users(self, callback: Node) -> bool:
        """A callback only logged-in users reach: a `wp_ajax_*` action, or a REST route whose
        permission callback requires a logged-in user."""
        holder = callback.parent
        if holder is not None and holder.type == "argument":
            call = holder.parent.parent if holder.parent is not None else None
            if call is not None and call_name(call) in ("add_action", "add_filter"):
                hook = string_value(arguments(call)[0]) if arguments(call) else None
                return bool(hook and LOGGED_IN_HOOK.search(hook))
            return False
        if (
            holder is not None
            and holder.type == "array_element_initializer"
            and holder.parent is not None
        ):
            pairs = dict(
                (string_value(k), v) for k, v in element_pairs(holder.parent) if k is not None
            )
            permission = pairs.get("permission_callback")
            if permission is None:
                return False
            if string_value(permission) in LOGGED_IN_CALLS:
                return True
            calls = [n for n in ts.walk(permission) if n.type in CALLS]
            return any(self._implies_user(n, True, frozenset()) for n in calls)
        return False

    def _local(self, node: Node, ctx: Ctx, subjects: frozenset[str]) -> bool:
        child = node
        while child.parent is not None and child != ctx.func:
            parent = child.parent
            if parent.type == "if_statement":
                condition = parent.child_by_field_name("condition")
                body = child == parent.child_by_field_name("body")
                if condition is not None and body and self._implies_user(condition, True, subjects):
                    return True
            if parent.type == "conditional_expression" and child == parent.child_by_field_name(
                "body"
            ):
                condition = parent.child_by_field_name("condition")
                if condition is not None and self._implies_user(condition, True, subjects):
                    return True
            if parent.type in ("compound_statement", "program"):
                for prior in parent.named_children:
                    if prior.start_byte >= child.start_byte:
                        break
                    if prior.type == "if_statement" and self._exits_unless_user(prior, subjects):
                        return True
            child = parent
        return False

    def _exits_unless_user(self, stmt: Node, subjects: frozenset[str]) -> bool:
        condition = stmt.child_by_field_name("condition")
        body = stmt.child_by_field_name("body")
        if condition is None or body is None or not self._implies_user(condition, False, subjects):
            return False
        last = (
            body.named_children[-1]
            if body.type == "compound_statement" and body.named_children
            else body
        )
        if last.type in ("return_statement", "exit_statement", "throw_expression"):
            return True
        calls = [n for n in ts.walk(last) if n.type == "function_call_expression"]
        return last.type == "expression_statement" and any(
            call_name(c) in EXIT_CALLS for c in calls
        )

    def _implies_user(self, test: Node, truth: bool, subjects: frozenset[str]) -> bool:
        kind = test.type
        if kind == "parenthesized_expression" and test.named_children:
            return self._implies_user(test.named_children[0], truth, subjects)
        if kind == "unary_op_expression" and text(test.child_by_field_name("operator")) == "!":
            argument = test.child_by_field_name("argument")
            return argument is not None and self._implies_user(argument, not truth, subjects)
        if kind == "binary_expression":
            return self._binary_test(test, truth, subjects)
        if truth and kind in SUBJECT_NODES and text(test) in subjects:
            return True
        if kind in CALLS:
            name = call_name(test)
            return truth and (name in LOGGED_IN_CALLS or name in ("exists", "is_logged_in"))
        if kind in ("variable_name", "member_access_expression"):
            name = (
                text(test.child_by_field_name("name"))
                if kind == "member_access_expression"
                else text(test)
            )
            return truth and (
                name == "ID" or (bool(USERISH.search(name)) and not NOT_USER.search(name))
            )
        return False

    def _binary_test(self, test: Node, truth: bool, subjects: frozenset[str]) -> bool:
        operator = text(test.child_by_field_name("operator"))
        left, right = test.child_by_field_name("left"), test.child_by_field_name("right")
        if left is None or right is None:
            return False
        if operator in ("&&", "and", "||", "or"):
            every = (operator in ("&&", "and")) != truth
            found = [self._implies_user(s, truth, subjects) for s in (left, right)]
            return all(found) if every else any(found)
        if operator == "instanceof":
            return truth and text(right).endswith("WP_User")
        empty = [s for s in (left, right) if text(s) in ("0", "null", "''", '""', "false")]
        other = [s for s in (left, right) if s not in empty]
        if len(empty) != 1 or len(other) != 1:
            return False
        if operator in ("===", "=="):
            return not truth and self._implies_user(other[0], True, subjects)
        if operator in ("!==", "!=", ">", "<>"):
            return truth and self._implies_user(other[0], True, subjects)
        return False

    def subjects(self, values: list[At], from_client: Callable[[At], bool]) -> frozenset[str]:
        """The objects the claim values are read from (`$visitor` for `$visitor->user_email`),
        and every value those were loaded from (assignments, arguments, the loading call's
        arguments), as source text; never what the client sent (`$_POST[...]`)."""
        found: set[str] = set()
        seen: set[tuple[Node, Ctx, bool]] = set()
        todo = [(value, False) for value in values]
        while todo and len(seen) < 200:
            at, subject = todo.pop()
            if (at.node, at.ctx, subject) in seen:
                continue
            seen.add((at.node, at.ctx, subject))
            node = at.node
            owner = _owner(node)
            if subject and from_client(at):
                continue
            if subject:
                found |= {text(node)} if node.type in SUBJECT_NODES else set()
                if node.type in CALLS:  # get_userdata( $visitor_id )
                    todo += [(At(a, at.ctx), True) for a in arguments(node)]
            elif owner is not None:
                todo.append((At(owner, at.ctx), True))
            elif node.type in CALLS:  # strtolower( $visitor->user_email )
                todo += [(At(a, at.ctx), False) for a in arguments(node)]
            todo += [(hop, subject) for hop in self.index.step(at) or []]
        return frozenset(found)

    def entry_path(self, ctx: Ctx) -> list[Node]:
        found: list[Node] = []
        todo = [ctx.func]
        while todo and len(found) < 40:
            func = todo.pop()
            if func is None or func in found:
                continue
            found.append(func)
            todo += [enclosing(u.node) for u in self.index.uses(func) if u.call is not None]
        return found

    # -- endpoints ----------------------------------------------------------------------------


def _owner(node: Node) -> Node | None:
    """The object a field is read from: `$visitor` of `$visitor->user_email` and of
    `$visitor['email']`."""
    if node.type == "member_access_expression":
        return node.child_by_field_name("object")
    if node.type == "subscript_expression" and node.named_children:
        return node.named_children[0]
    return None
