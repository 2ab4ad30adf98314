<?php
/**
 * Harbor theme functions.
 *
 * @package Harbor
 */

require_once get_template_directory() . '/vendor/autoload.php';

use Firebase\JWT\JWT;

add_action(
	'wp_enqueue_scripts',
	function () {
		wp_enqueue_style( 'harbor', get_stylesheet_uri(), array(), '1.0.0' );
	}
);

/**
 * The chat widget's token for the logged-in user; null for visitors.
 */
function harbor_bestchatbot_token() {
	if ( ! is_user_logged_in() ) {
		return null;
	}
	$key = getenv( 'BESTCHATBOT_SIGNING_KEY' );
	if ( false === $key || '' === $key ) {
		return null;
	}
	$user = wp_get_current_user();
	return JWT::encode(
		array(
			'email'   => strtolower( $user->user_email ),
			'name'    => $user->display_name,
			'user_id' => (string) $user->ID,
			'exp'     => time() + HOUR_IN_SECONDS,
		),
		$key,
		'HS256'
	);
}
