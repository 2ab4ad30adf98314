<?php
/**
 * Plugin Name: Acme Chat
 * Description: The chat widget, with visitor identity for logged-in users.
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/vendor/autoload.php';

use Firebase\JWT\JWT;

/**
 * admin-ajax.php answers wp_ajax_* actions for logged-in users only, and sends
 * nocache_headers() itself.
 */
function acme_chat_ajax_token() {
	$user   = wp_get_current_user();
	$claims = array(
		'email' => strtolower( $user->user_email ),
		'exp'   => time() + 2 * HOUR_IN_SECONDS,
	);
	wp_send_json( array( 'token' => JWT::encode( $claims, getenv( 'BESTCHATBOT_SIGNING_KEY' ), 'HS256' ) ) );
}
add_action( 'wp_ajax_acme_chat_token', 'acme_chat_ajax_token' );
