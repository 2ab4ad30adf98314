<?php
/**
 * Plugin Name: Acme Chat
 */

define( 'ACME_CHAT_JWT_ALG', 'HS256' );

require_once __DIR__ . '/vendor/autoload.php';

/**
 * The signing key is pasted into the plugin's settings page and stored as an option.
 */
function acme_chat_token() {
	$user = wp_get_current_user();
	if ( 0 === $user->ID ) {
		return '';
	}
	$claims = array(
		'email' => mb_strtolower( $user->user_email ),
		'exp'   => time() + 12 * HOUR_IN_SECONDS,
	);
	return \Firebase\JWT\JWT::encode( $claims, get_option( 'acme_chat_signing_key' ), ACME_CHAT_JWT_ALG );
}

add_action(
	'wp_footer',
	function () {
		$token = acme_chat_token();
		?>
		<script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_test" data-user-token="<?php echo esc_attr( $token ); ?>"></script>
		<?php
	}
);
