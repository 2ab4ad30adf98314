<?php
/**
 * Plugin Name: Acme Chat
 * Description: The chat widget, with visitor identity for logged-in users.
 */

defined( 'ABSPATH' ) || exit;

require_once __DIR__ . '/vendor/autoload.php';

use Firebase\JWT\JWT;

function acme_chat_token() {
	if ( ! is_user_logged_in() ) {
		return null;
	}
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	if ( ! $key ) {
		return null;
	}
	$user   = wp_get_current_user();
	$claims = array(
		'email' => strtolower( $user->user_email ),
		'name'  => $user->display_name,
		'exp'   => time() + 30 * DAY_IN_SECONDS, // expect: exp-too-long
	);
	return JWT::encode( $claims, $key, 'HS256' );
}

function acme_chat_widget() {
	$token = acme_chat_token();
	printf(
		'<script src="%s" data-api-key="%s"',
		esc_url( 'https://widget.bestchatbot.io/widget/v1/chat.js' ),
		esc_attr( 'pk_test' )
	);
	if ( $token ) {
		printf( ' data-user-token="%s"', esc_attr( $token ) );
	}
	echo "></script>\n";
}
add_action( 'wp_footer', 'acme_chat_widget' );
