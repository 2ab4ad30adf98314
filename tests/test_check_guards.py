"""The signed-in guard of `no-auth-guard` in the PHP and JavaScript checkers: a check on the
object the claims are read from (or the value it was loaded from) guards the mint, whatever the
object is called; a check on another object, or on what the client sent, guards nothing.

A line marked `// expect: <rule>` (PHP) or `// <-` (JavaScript) must be flagged with
no-auth-guard, and nothing else flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_check_javascript import check as check_js
from tests.test_check_php import FOOTER, HEAD
from tests.test_check_python import findings

PHP_CASES = [
    pytest.param(
        """
function acme_chat_token() {
	$visitor = get_userdata( get_current_user_id() );
	if ( ! $visitor ) {
		return null;
	}
	$claims = array(
		'email' => strtolower( $visitor->user_email ),
		'exp'   => time() + HOUR_IN_SECONDS,
	);
	return JWT::encode( $claims, getenv( 'BESTCHATBOT_SIGNING_KEY' ), 'HS256' );
}
""",
        id="the-object-read-is-checked",
    ),
    pytest.param(
        """
function acme_chat_token() {
	$visitor_id = get_current_user_id();
	if ( 0 === $visitor_id ) {
		return null;
	}
	$visitor = get_userdata( $visitor_id );
	$claims = array(
		'email' => strtolower( $visitor->user_email ),
		'exp'   => time() + HOUR_IN_SECONDS,
	);
	return JWT::encode( $claims, getenv( 'BESTCHATBOT_SIGNING_KEY' ), 'HS256' );
}
""",
        id="the-id-it-was-loaded-from-is-checked",
    ),
    pytest.param(
        """
function acme_chat_token() {
	$visitor = get_userdata( get_current_user_id() );
	$team = get_option( 'acme_team' );
	if ( ! $team ) {
		return null;
	}
	$claims = array(
		'email' => strtolower( $visitor->user_email ),
		'exp'   => time() + HOUR_IN_SECONDS,
	);
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	return JWT::encode( $claims, $key, 'HS256' ); // expect: no-auth-guard
}
""",
        id="a-check-on-another-object-guards-nothing",
    ),
    pytest.param(
        """
function acme_chat_token() {
	if ( empty( $_POST['visitor'] ) || ! $_POST['visitor'] ) {
		return null;
	}
	$claims = array(
		'email' => strtolower( $_POST['visitor']['email'] ), // expect: email-from-client
		'exp'   => time() + HOUR_IN_SECONDS,
	);
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	return JWT::encode( $claims, $key, 'HS256' ); // expect: no-auth-guard
}
""",
        id="not-what-the-client-sent",
    ),
]


@pytest.mark.parametrize("source", PHP_CASES)
def test_php_guard_on_the_object_the_claims_are_read_from(tmp_path: Path, source: str) -> None:
    _, wrong = findings(tmp_path, {"acme-chat.php": HEAD + source + FOOTER})
    assert not wrong


EXPRESS = """\
const express = require("express");
const jwt = require("jsonwebtoken");

const app = express();

app.use(async (req, res, next) => {
  req.neighbour = req.session.neighbourId ? await findNeighbour(req.session.neighbourId) : null;
  next();
});

app.use((req, res, next) => {
  const key = process.env.BESTCHATBOT_SIGNING_KEY;
  if (GUARD || !key) {
    res.locals.chatToken = null;
    return next();
  }
  res.locals.chatToken = jwt.sign({ email: EMAIL.toLowerCase() }, key, { // <-
    algorithm: "HS256",
    expiresIn: "1h",
  });
  return next();
});
"""


@pytest.mark.parametrize(
    ("guard", "email", "flagged"),
    [
        pytest.param("!req.neighbour", "req.neighbour.email", False, id="the-object-read"),
        pytest.param(
            "!res.locals.chatEnabled",
            "req.neighbour.email",
            True,
            id="a-check-on-another-object-guards-nothing",
        ),
        pytest.param(
            "!req.body.neighbour", "req.body.neighbour.email", True, id="not-what-the-client-sent"
        ),
    ],
)
def test_js_guard_on_the_object_the_email_is_read_from(
    guard: str, email: str, flagged: bool
) -> None:
    text = EXPRESS.replace("GUARD", guard).replace("EMAIL", email)
    found = check_js({"app.js": text})
    rules = {(v.line, v.rule) for v in found.violations if v.rule == "no-auth-guard"}
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "// <-" in t)
    assert rules == ({(line, "no-auth-guard")} if flagged else set())
