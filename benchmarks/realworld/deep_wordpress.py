"""WordPress: the patched theme / plugin / must-use plugin runs under the php CLI with the
tool's own WordPress stand-ins (tests/php/run.php) as a visitor and as a signed-in user, and the
token is verified with PyJWT. Functions real themes call at load time that those stand-ins lack
come from extra-stand-ins.php beside this module (loaded first: the tests' copy is not edited)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .tokens import check_token

if TYPE_CHECKING:
    from .levels import Level

PHP_TIMEOUT = 60
USER = {
    "ID": 7,
    "user_login": "ada",
    "user_email": "Ada.Lovelace@Example.COM",
    "display_name": "Ada Lovelace",
}
ROUTE = "/bestchatbot/v1/widget-token"
EXTRA = Path(__file__).resolve().parent / "extra-stand-ins.php"
TOKEN_ATTR = re.compile(r'data-user-token="([^"]+)"')


def _stand_ins(bcb: Path) -> Path | None:
    for parent in bcb.resolve().parents:
        candidate = parent / "tests" / "php" / "run.php"
        if candidate.is_file():
            return candidate
    return None


def _php(runner: Path, scenario: dict[str, Any], env: dict[str, str]) -> dict[str, Any] | str:
    try:
        done = subprocess.run(
            ["php", str(runner)],
            input=json.dumps(scenario),
            capture_output=True,
            text=True,
            timeout=PHP_TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"php timed out after {PHP_TIMEOUT}s"
    if done.returncode != 0:
        text = (done.stdout + done.stderr).strip()
        missing = re.search(r"Call to undefined (function|method) ([\w:\\]+)", text)
        if missing:
            return f"stand-ins lack {missing.group(2)}()"
        core_class = re.search(r'Class "(WP_\w+|Walker\w*)" not found', text)
        if core_class:
            return f"stand-ins lack class {core_class.group(1)}"
        if (
            "vendor/autoload.php" in text
            or "composer install" in text
            or re.search(r'Class "[\w\\]+" not found', text)
        ):
            return "needs composer install (Packagist is out of reach here)"
        return "php failed: " + (text.splitlines() or ["no output"])[0][:200]
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def verify(root: Path, bcb: Path, changed: list[str]) -> Level:
    from .levels import Level

    runner = _stand_ins(bcb)
    if runner is None:
        return Level("skip", "the tool's checkout has no tests/php stand-ins")
    php_files = [p for p in changed if p.endswith(".php")]
    if len(php_files) != 1:
        return Level("skip", f"expected one PHP file written, got {php_files}")
    key = secrets.token_urlsafe(32)
    env = {**os.environ, "BESTCHATBOT_SIGNING_KEY": key, "WP_STUB_THEME_DIR": str(root)}
    base = {"require": [str(EXTRA), str(root / php_files[0])], "page": True}
    visitor = _php(runner, {**base, "user": None}, env)
    signed_in = _php(runner, {**base, "user": USER}, env)
    for out in (visitor, signed_in):
        if isinstance(out, str):
            return Level("skip", out)
        if out["errors"]:
            return Level("fail", f"PHP errors: {out['errors'][0]}"[:200])
    assert isinstance(visitor, dict) and isinstance(signed_in, dict)
    if TOKEN_ATTR.search(visitor["html"]):
        return Level("fail", "an anonymous visitor got a data-user-token")
    found = TOKEN_ATTR.search(signed_in["html"])
    if found:
        token = found.group(1)
    else:
        rest = _php(runner, {**base, "user": USER, "rest": ["GET", ROUTE, signed_in["nonce"]]}, env)
        if isinstance(rest, str):
            return Level("skip", rest)
        answer = rest.get("rest") or {}
        if answer.get("status") != 200:
            return Level("fail", f"no inline token and {ROUTE} answered {answer.get('status')}")
        token = str(answer["body"].get("token"))
        anonymous = _php(
            runner, {"require": base["require"], "user": None, "rest": ["GET", ROUTE, None]}, env
        )
        if isinstance(anonymous, dict) and (anonymous.get("rest") or {}).get("status") == 200:
            return Level("fail", f"{ROUTE} gave an anonymous visitor a token")
    problem = check_token(token, key, str(USER["user_email"]))
    return Level("fail", problem) if problem else Level("pass")
