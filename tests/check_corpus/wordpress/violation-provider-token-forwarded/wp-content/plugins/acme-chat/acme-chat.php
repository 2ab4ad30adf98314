<?php
/**
 * Plugin Name: Acme Chat
 */

defined( 'ABSPATH' ) || exit;

function acme_chat_base64url( $data ) {
	return rtrim( strtr( base64_encode( $data ), '+/', '-_' ), '=' );
}

/**
 * A compact JWT signed with HMAC-SHA256 (no Composer on this site).
 */
function acme_chat_sign( array $claims, $key ) {
	$header = array(
		'typ' => 'JWT',
		'alg' => 'HS256',
	);
	$input  = acme_chat_base64url( wp_json_encode( $header ) ) . '.' . acme_chat_base64url( wp_json_encode( $claims ) );
	return $input . '.' . acme_chat_base64url( hash_hmac( 'sha256', $input, $key, true ) );
}

function acme_chat_token_response( WP_REST_Request $request ) {
	nocache_headers();
	$user   = wp_get_current_user();
	$claims = array(
		'email'   => strtolower( $user->user_email ),
		'user_id' => (string) $user->ID,
		'exp'     => time() + 15 * MINUTE_IN_SECONDS,
	);
	return new WP_REST_Response( array( 'token' => wp_get_session_token() ), 200 ); // expect: provider-token-forwarded
}

add_action(
	'rest_api_init',
	function () {
		register_rest_route(
			'acme-chat/v1',
			'/widget-token',
			array(
				'methods'             => 'GET',
				'callback'            => 'acme_chat_token_response',
				'permission_callback' => 'is_user_logged_in',
			)
		);
	}
);

add_action(
	'wp_footer',
	function () {
		echo '<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_test"></script>';
	}
);
