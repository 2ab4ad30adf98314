<?php
/**
 * A `php -S` router that serves a patched site over HTTP with the stand-ins, so that its pages
 * carry the headers PHP really sends. The site (JSON in WP_STUB_SITE):
 *   require   PHP files to load in order, as in run.php
 *   template  a PHP template that ends the page (the theme's footer.php), else wp_footer fires
 *   users     login => [password, WP_User fields]: POST /wp-login.php (log, pwd) signs in
 *   headers   the headers core or a plugin sets for the page before wp_headers (default: core's)
 * The login cookie holds the user's login with an HMAC, as core's wordpress_logged_in_ does.
 */

require __DIR__ . '/wordpress.php';

const WP_STUB_COOKIE = 'wordpress_logged_in_stub';

$site = json_decode( getenv( 'WP_STUB_SITE' ), true );

function wp_stub_cookie_mac( $login ) {
	return hash_hmac( 'sha256', $login, 'stand-in auth salt' );
}

if ( '/wp-login.php' === parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) ) {
	$login = (string) ( $_POST['log'] ?? '' );
	$entry = $site['users'][ $login ] ?? null;
	if ( 'POST' !== $_SERVER['REQUEST_METHOD'] || null === $entry
		|| ! hash_equals( $entry[0], (string) ( $_POST['pwd'] ?? '' ) ) ) {
		http_response_code( 401 );
		echo "<p>The username or password you entered is incorrect.</p>\n";
		return true;
	}
	setcookie( WP_STUB_COOKIE, $login . '|' . wp_stub_cookie_mac( $login ), 0, '/', '', false, true );
	header( 'Location: /', true, 302 );
	return true;
}

list( $login, $mac ) = array_pad( explode( '|', (string) ( $_COOKIE[ WP_STUB_COOKIE ] ?? '' ), 2 ), 2, '' );
if ( isset( $site['users'][ $login ] ) && hash_equals( wp_stub_cookie_mac( $login ), $mac ) ) {
	wp_stub_user( new WP_User( $site['users'][ $login ][1] ) );
}
foreach ( $site['require'] as $file ) {
	require_once $file;
}
do_action( 'muplugins_loaded' );
do_action( 'plugins_loaded' );
foreach ( wp_stub_send_headers( $site['headers'] ?? null ) as $name => $value ) {
	header( "$name: $value" );
}
do_action( 'wp_enqueue_scripts' );
echo "<!DOCTYPE html>\n<html><head><title>Example Site</title></head><body>\n";
if ( ! empty( $site['template'] ) ) {
	require $site['template'];
} else {
	wp_footer();
	echo "</body></html>\n";
}
return true;
