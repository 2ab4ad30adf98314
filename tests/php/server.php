<?php
/**
 * A `php -S` router that serves a patched site over HTTP with the stand-ins, so that its pages
 * carry the headers PHP really sends. The site (JSON in WP_STUB_SITE):
 *   require   PHP files to load in order, as in run.php
 *   template  a PHP template that ends the page (the theme's footer.php), else wp_footer fires
 *   users     login => [password, WP_User fields]: POST /wp-login.php (log, pwd) signs in
 *   headers   the headers core or a plugin sets for the page before wp_headers (default: core's)
 *   pages     request path => the query it is for (wp_stub_query(): post_type, slug, template)
 * The login cookie holds the user's login with an HMAC, as core's wordpress_logged_in_ does.
 * Besides pages it serves the REST API under /wp-json/ (the X-WP-Nonce header as core reads
 * it), admin-ajax.php?action=rest-nonce, and the theme's files (WP_STUB_THEME_DIR) under
 * /wp-content/themes/active/, at this server's own address (WP_STUB_HOME).
 */

require __DIR__ . '/wordpress.php';

const WP_STUB_COOKIE = 'wordpress_logged_in_stub';

$site = json_decode( getenv( 'WP_STUB_SITE' ), true );
$path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
putenv( 'WP_STUB_HOME=http://' . $_SERVER['HTTP_HOST'] );

function wp_stub_cookie_mac( $login ) {
	return hash_hmac( 'sha256', $login, 'stand-in auth salt' );
}

if ( '/wp-login.php' === $path ) {
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

$theme = '/wp-content/themes/active/';
if ( str_starts_with( $path, $theme ) ) {
	$root = realpath( getenv( 'WP_STUB_THEME_DIR' ) );
	$file = realpath( $root . '/' . substr( $path, strlen( $theme ) ) );
	$types = array(
		'js'  => 'text/javascript; charset=utf-8',
		'css' => 'text/css; charset=utf-8',
	);
	$type  = $types[ pathinfo( (string) $file, PATHINFO_EXTENSION ) ] ?? null;
	if ( false === $file || ! str_starts_with( $file, $root . '/' ) || null === $type ) {
		http_response_code( 404 );
		return true;
	}
	header( "Content-Type: $type" );
	readfile( $file );
	return true;
}

foreach ( $site['require'] as $file ) {
	require_once $file;
}
do_action( 'muplugins_loaded' );
do_action( 'plugins_loaded' );

if ( str_starts_with( $path, '/wp-json/' ) ) {
	$nonce = $_SERVER['HTTP_X_WP_NONCE'] ?? null;
	list( $status, $body, $headers ) = wp_stub_rest_request( $_SERVER['REQUEST_METHOD'], substr( $path, 8 ), $nonce );
	http_response_code( $status );
	header( 'Content-Type: application/json; charset=UTF-8' );
	foreach ( $headers as $name => $value ) {
		header( "$name: $value" );
	}
	echo wp_json_encode( $body );
	return true;
}
if ( '/wp-admin/admin-ajax.php' === $path ) {
	// Core answers action=rest-nonce (wp_ajax_rest_nonce) for logged-in users only.
	if ( 'rest-nonce' !== ( $_GET['action'] ?? '' ) || ! is_user_logged_in() ) {
		http_response_code( 400 );
		echo '0';
		return true;
	}
	echo wp_create_nonce( 'wp_rest' );
	return true;
}

if ( isset( $site['pages'][ $path ] ) ) {
	$GLOBALS['wp_stub']['query'] = $site['pages'][ $path ];
}
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
