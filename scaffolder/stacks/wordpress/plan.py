"""WordPress plan: the token code in its home, the widget tag, the identity script, php-jwt."""

from __future__ import annotations

import posixpath
import re
from functools import partial

from scaffolder import envfile
from scaffolder.inspection import Choices
from scaffolder.markup import newline_of
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.stacks.wordpress import composer as comp
from scaffolder.stacks.wordpress import detect as d
from scaffolder.stacks.wordpress import exclusions, php
from scaffolder.steps import (
    SCRIPT,
    Step,
    StepResult,
    applied,
    conflict,
    generated_file,
    skipped,
)
from scaffolder.templating import render

CALLBACKS = {
    "token": "bestchatbot_widget_token",
    "print_widget": "bestchatbot_print_widget",
    "private_page": "bestchatbot_private_token_page",
    "response": "bestchatbot_widget_token_response",
    "register_route": "bestchatbot_register_widget_token_route",
    "enqueue": "bestchatbot_enqueue_identity_script",
}


Chosen = Choices[d.WordPressAuth]


def steps(
    project: Project, insp: Inspection[object], facts: d.WordPressFacts, choices: Chosen
) -> list[Step]:
    """The token code in its home (with the REST route, also where the tag carries the token:
    an open page renews it there); the attribute on each PHP template's widget tag (tag
    delivery); the identity script; php-jwt; the .env.example entry; the checks and the key."""
    endpoint = choices.delivery == "token-endpoint"
    attributes: list[Step] = (
        [] if endpoint else [partial(_widget_attribute, facts, path) for path in _tag_files(facts)]
    )
    return [
        partial(_home_code, project, facts, choices, insp.answers.api_key or ""),
        *attributes,
        partial(_identity_script, facts, endpoint),
        partial(_php_jwt, facts),
        partial(_env_example, project, facts),
        partial(_footer_check, project, facts, endpoint),
        partial(_shipped, project, facts),
        partial(_key_next_step, facts),
    ]


def _namespace(text: str | None) -> php.Namespace | None:
    ns = php.namespace_of(text) if text else None
    return ns if ns is not None and not ns.braced else None


def _home_code(
    project: Project, facts: d.WordPressFacts, choices: Chosen, api_key: str, builder: PlanBuilder
) -> StepResult:
    home, delivery = facts.home, choices.delivery
    if facts.integrated:
        if facts.integrated != delivery:
            return conflict(
                "home-code",
                home.file,
                f"{home.file} already integrates BestChatBot with {facts.integrated}; remove "
                f"that code first to switch to {delivery}",
            )
        if not _enqueues_script(builder.current(home.file)):
            return skipped(
                "home-code",
                home.file,
                "BestChatBot visitor identity is already wired in, from before pages renewed "
                "their token: to renew it on pages left open for over an hour, remove that "
                "block and run apply again",
            )
        return skipped("home-code", home.file, "BestChatBot visitor identity is already wired in")
    endpoint = delivery == "token-endpoint"
    existing = builder.current(home.file)
    ns = _namespace(existing)
    fn = {
        key: (f"__NAMESPACE__ . '\\{name}'" if ns else f"'{name}'")
        for key, name in CALLBACKS.items()
    }
    # Issue 15: where the theme or plugin keeps its chat script off some pages, so the widget.
    rule = None if facts.widgets else exclusions.find(project, d.scope(home))
    code = render(
        "php/wordpress/bestchatbot.php.j2",
        standalone=existing is None and home.kind == "site",
        endpoint=endpoint,
        composer=facts.composer is not None,
        print_widget=not facts.widgets,
        api_key=api_key,  # the template writes it with `php_str`
        litespeed=facts.litespeed,
        script_url=_script_url(home),
        email=_operand(choices.email.expr),
        name=_operand(choices.name.expr) if choices.name else None,
        user_id=_operand(choices.user_id.expr) if choices.user_id else None,
        fn=fn,
        g="\\" if ns else "",
        page_rule=_returned(rule) if rule else None,
        page_rule_from=f"{rule.guard.path}:{rule.guard.line}" if rule else None,
        page_rule_script=rule.guard.script if rule else None,
    )
    code = php.restyle(code, facts.style)
    nl = facts.style.newline
    if existing is None:
        if home.kind == "theme":
            code = _new_functions_file(home, nl) + code
        reason = _reason(home, facts, endpoint, new=True)
    else:
        code = php.append_code(existing, code, newline_of(existing))
        reason = _reason(home, facts, endpoint, new=False)
    if rule is not None:
        reason += f"; the widget {rule.guard.summary}"
    builder.write(home.file, code, reason, "php")
    return applied("home-code", home.file, reason)


def _returned(rule: exclusions.Rule) -> str:
    """The rule as `return` gives it: one line, else one operand a line (WordPress's style)."""
    if len(f"\t\treturn {rule.expression};".expandtabs(4)) <= 100:
        return rule.expression
    return "\n\t\t\t&& ".join(rule.parts)


def _operand(expr: str) -> str:
    """An expression made safe to follow a `(string)` cast."""
    return expr if re.fullmatch(r"\$\w+(->\w+)*", expr) else f"( {expr} )"


def _new_functions_file(home: d.Home, nl: str) -> str:
    package = posixpath.basename(home.root.rstrip("/")) if home.root not in ("", ".") else "theme"
    return nl.join(
        [
            "<?php",
            "/**",
            f" * {home.name} functions.",
            " *",
            f" * @package {package}",
            " */",
            "",
            "",
        ]
    )


def _reason(home: d.Home, facts: d.WordPressFacts, endpoint: bool, *, new: bool) -> str:
    if endpoint:
        what = "REST route bestchatbot/v1/widget-token + identity script"
    elif facts.widgets:
        what = (
            "signs the token that the widget tag's data-user-token carries, renewed from REST "
            "route bestchatbot/v1/widget-token"
        )
    else:
        what = (
            "wp_footer widget tag with data-user-token for logged-in users, renewed from REST "
            "route bestchatbot/v1/widget-token"
        )
    where = {"theme": "theme functions", "plugin": "plugin", "site": "must-use plugin"}[home.kind]
    return f"{'new ' if new else ''}{where}: {what}"


def _script_url(home: d.Home) -> str:
    if home.kind == "theme":
        return f"get_theme_file_uri( 'assets/js/{SCRIPT}' )"
    if home.kind == "plugin":
        rel = posixpath.relpath(home.script_path, posixpath.dirname(home.file) or ".")
        return f"plugins_url( '{rel}', __FILE__ )"
    return f"plugins_url( '{SCRIPT}', __FILE__ )"


def _enqueues_script(home_code: str | None) -> bool:
    return CALLBACKS["enqueue"] in (home_code or "")


def _identity_script(
    facts: d.WordPressFacts, endpoint: bool, builder: PlanBuilder
) -> StepResult | None:
    """The script the home code enqueues: it fetches the token (endpoint delivery) or renews
    the tag's before it expires; none for an integration of an earlier apply that loads none."""
    if not _enqueues_script(builder.current(facts.home.file)):
        return None  # the home-code step said so
    path = facts.home.script_path
    reason = (
        "new: fetches the widget token and calls setUserToken / clearUserToken"
        if endpoint
        else "new: renews the page's widget token before it expires (setUserToken)"
    )
    return generated_file(
        builder,
        path,
        render("php/wordpress/bestchatbot-identity.js.j2", renews_inline=not endpoint),
        reason=reason,
        language="javascript",
        ours=("bestchatbotIdentity",),
        already="identity script already present",
        refusal=f"{path} already exists and is not bcb-scaffold's identity script",
    )


def _tag_files(facts: d.WordPressFacts) -> list[str]:
    """The PHP templates holding widget tags, in the order they were found."""
    return list(dict.fromkeys(w.path for w in facts.widgets if w.context == "template"))


def _widget_attribute(facts: d.WordPressFacts, path: str, builder: PlanBuilder) -> StepResult:
    """`data-user-token` on every widget tag of the PHP template `path`."""
    home = facts.home
    ns = _namespace(builder.current(home.file)) if home.kind == "plugin" else None
    call = f"\\{ns.name}\\{d.ATTRIBUTE_FUNCTION}" if ns else d.ATTRIBUTE_FUNCTION
    text = builder.current(path)
    assert text is not None
    pending = [w for w in facts.widgets if w.path == path and not w.has_user_token]
    if not pending:
        return skipped("widget-attribute", path, "widget tag already carries data-user-token")
    for w in sorted(pending, key=lambda w: w.tag.start, reverse=True):
        text = insert_attribute_call(text, w.tag.start, w.tag.end, call)
    reason = "widget tag: data-user-token for logged-in users"
    builder.write(path, text, reason, "php")
    return applied("widget-attribute", path, reason)


def insert_attribute_call(text: str, start: int, end: int, function: str) -> str:
    """Splice `<?php function(); ?>` just before the tag's closing `>` (the function prints the
    attribute with its leading space, or nothing)."""
    close = end - 1
    if text[close - 1] == "/":
        close -= 1
    while close > start and text[close - 1] in " \t":
        close -= 1
    return text[:close] + f"<?php {function}(); ?>" + text[close:]


def _php_jwt(facts: d.WordPressFacts, builder: PlanBuilder) -> StepResult | None:
    """firebase/php-jwt in the Composer manifest whose autoloader runs (None: no Composer)."""
    composer = facts.composer
    if composer is None:
        return None
    if composer.has_jwt:
        return skipped("dependency", composer.manifest, f"{comp.JWT_PACKAGE} is already required")
    text = builder.current(composer.manifest)
    assert text is not None
    constraint = comp.jwt_constraint(composer.data)
    reason = f"require {comp.JWT_PACKAGE} (signs the widget token)"
    builder.write(
        composer.manifest, comp.add_require(text, comp.JWT_PACKAGE, constraint), reason, "json"
    )
    builder.command(
        ["composer", "update", comp.JWT_PACKAGE],
        posixpath.dirname(composer.manifest) or ".",
        f"Install {comp.JWT_PACKAGE}",
    )
    return applied("dependency", composer.manifest, reason)


def _env_example(project: Project, facts: d.WordPressFacts, builder: PlanBuilder) -> None:
    """A site that loads a .env gets the empty key in its .env.example."""
    if facts.env_file:
        envfile.plan_env_example(project, ".", builder)


def _footer_check(
    project: Project, facts: d.WordPressFacts, endpoint: bool, builder: PlanBuilder
) -> None:
    """Classic themes must call wp_footer() for the hook (and footer scripts) to run at all."""
    home = facts.home
    if home.kind != "theme" or home.unit is None or home.unit.block or home.unit.sage:
        return
    for path in project.under(home.root):
        if path.endswith(".php") and "wp_footer" in (project.text(path) or ""):
            return
    missing = (
        "the widget never prints"
        if endpoint or not facts.widgets
        else "the script renewing the widget token of pages left open never loads"
    )
    builder.warn(
        f"no template of {home.root} calls wp_footer(): add <?php wp_footer(); ?> before </body> "
        f"in its footer template, or {missing}"
    )


def _shipped(project: Project, facts: d.WordPressFacts, builder: PlanBuilder) -> None:
    """A home or script the site git-ignores never reaches production unless deployed apart."""
    for edit_path in (facts.home.file, facts.home.script_path):
        if builder.current(edit_path) is not None and project.is_ignored(edit_path):
            builder.warn(f"{edit_path} is git-ignored: make sure your deploy ships it")


def _key_next_step(facts: d.WordPressFacts, builder: PlanBuilder) -> None:
    builder.next_step(
        "Give PHP the key: PHP-FPM hides the server's environment unless the pool passes it "
        "(env[BESTCHATBOT_SIGNING_KEY] = ...; Apache: SetEnv), or define BESTCHATBOT_SIGNING_KEY "
        "in wp-config.php from your secret store"
        if not facts.env_file
        else "Put BESTCHATBOT_SIGNING_KEY in the site's .env (it is loaded into the environment)"
    )
