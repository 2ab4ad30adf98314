"""The PHP checker on small plugins: how values are followed (reassignments, constants,
strtotime), which hooks and permission callbacks guard a mint, and files it cannot read.

A line marked `// expect: <rule>` must be flagged with that rule, and nothing else flagged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_check_python import findings

HEAD = """<?php
/**
 * Plugin Name: Acme Chat
 */

define( 'ACME_CHAT_WIDGET', 'https://widget.bestchatbot.io/widget/v1/chat.js' );

use Firebase\\JWT\\JWT;

"""
FOOTER = """
add_action(
	'wp_footer',
	function () {
		printf( '<script src="%s" data-api-key="pk"></script>', esc_url( ACME_CHAT_WIDGET ) );
	}
);
"""

CASES = [
    pytest.param(
        """
function acme_chat_token() {
	if ( ! is_user_logged_in() ) {
		return null;
	}
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	if ( ! $key ) {
		$key = 'local-dev-key'; // expect: key-default
	}
	$email = wp_get_current_user()->user_email;
	$email = strtolower( trim( $email ) );
	$claims = array( 'email' => $email, 'exp' => strtotime( '+1 hour' ) );
	return JWT::encode( $claims, $key, 'HS256' );
}
""",
        id="a-literal-assigned-when-the-variable-is-unset-is-a-default",
    ),
    pytest.param(
        """
function acme_chat_token() {
	if ( ! is_user_logged_in() ) {
		return null;
	}
	$claims = array(
		'email' => strtolower( wp_get_current_user()->user_email ),
		'exp'   => strtotime( '+2 days' ), // expect: exp-too-long
	);
	return JWT::encode( $claims, ACME_CHAT_KEY, 'HS256' );
}
""",
        id="strtotime-is-a-lifetime",
    ),
    pytest.param(
        """
function acme_chat_token() {
	$email  = strtolower( wp_get_current_user()->user_email );
	$claims = array( 'email' => $email, 'exp' => time() + 600 );
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	$token = JWT::encode( $claims, $key, 'HS256' ); // expect: no-auth-guard
	wp_send_json( array( 'token' => $token ) );
}
add_action( 'wp_ajax_acme_chat_token', 'acme_chat_token' );
add_action( 'wp_ajax_nopriv_acme_chat_token', 'acme_chat_token' );
""",
        id="a-nopriv-ajax-hook-lets-visitors-in",
    ),
    pytest.param(
        """
function acme_chat_token() {
	$email  = strtolower( wp_get_current_user()->user_email );
	$claims = array( 'email' => $email, 'exp' => time() + 600 );
	$token  = JWT::encode( $claims, getenv( 'BESTCHATBOT_SIGNING_KEY' ), 'HS256' );
	wp_send_json( array( 'token' => $token ) );
}
add_action( 'wp_ajax_acme_chat_token', __NAMESPACE__ . '\\acme_chat_token' );
""",
        id="a-namespaced-callback-is-its-function",
    ),
    pytest.param(
        """
function acme_chat_token() {
	nocache_headers();
	$email  = strtolower( wp_get_current_user()->user_email );
	$claims = array( 'email' => $email, 'exp' => time() + 600 );
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	return array( 'token' => JWT::encode( $claims, $key, 'HS256' ) ); // expect: no-auth-guard
}
add_action(
	'rest_api_init',
	function () {
		register_rest_route(
			'acme-chat/v1',
			'/widget-token',
			array(
				'callback'            => 'acme_chat_token',
				'permission_callback' => '__return_true',
			)
		);
	}
);
""",
        id="a-permission-callback-that-lets-everyone-in-is-no-guard",
    ),
    pytest.param(
        """
function acme_chat_token() {
	nocache_headers();
	$email  = strtolower( wp_get_current_user()->user_email );
	$claims = array( 'email' => $email, 'exp' => time() + 600 );
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	return array( 'token' => JWT::encode( $claims, $key, 'HS256' ) );
}
add_action(
	'rest_api_init',
	function () {
		register_rest_route(
			'acme-chat/v1',
			'/widget-token',
			array(
				'callback'            => 'acme_chat_token',
				'permission_callback' => fn() => current_user_can( 'read' ),
			)
		);
	}
);
""",
        id="a-permission-callback-for-logged-in-users-is-a-guard",
    ),
]


@pytest.mark.parametrize("source", CASES)
def test_plugins(tmp_path: Path, source: str) -> None:
    _, wrong = findings(tmp_path, {"acme-chat.php": HEAD + source + FOOTER})
    assert not wrong


def test_a_file_with_a_syntax_error_is_skipped(tmp_path: Path) -> None:
    found, wrong = findings(
        tmp_path,
        {"acme-chat.php": HEAD + FOOTER, "broken.php": "<?php\nfunction ( {\n"},
    )
    assert not wrong and not found
