<?php
/**
 * Runs patched WordPress code under the stand-ins, for one visitor, and prints what happened as
 * JSON. The scenario (JSON on stdin):
 *   user      null, or the WP_User fields of the logged-in user
 *   require   PHP files to load in order (an autoloader, must-use plugins, a plugin, functions.php)
 *   page      true: send the page's headers, run wp_enqueue_scripts, then render `template`
 *             (or fire wp_footer)
 *   headers   the headers core or a plugin sets for the page before wp_headers (default: core's)
 *   template  a PHP template to render, e.g. the theme's footer.php
 *   rest      [method, path, nonce]: serve one REST request as that user
 */

require __DIR__ . '/wordpress.php';

$scenario = json_decode( stream_get_contents( STDIN ), true );
if ( ! empty( $scenario['user'] ) ) {
	wp_stub_user( new WP_User( $scenario['user'] ) );
}
foreach ( $scenario['require'] as $file ) {
	require_once $file;
}
do_action( 'muplugins_loaded' );
do_action( 'plugins_loaded' );

$out = array();
if ( ! empty( $scenario['page'] ) ) {
	$out['headers'] = (object) wp_stub_send_headers( $scenario['headers'] ?? null );
	do_action( 'wp_enqueue_scripts' );
	ob_start();
	if ( ! empty( $scenario['template'] ) ) {
		require $scenario['template'];
	} else {
		wp_footer();
	}
	$out['html']      = ob_get_clean();
	$out['scripts']   = $GLOBALS['wp_stub']['scripts'];
	$out['localized'] = $GLOBALS['wp_stub']['localized'];
	$out['nonce']     = wp_create_nonce( 'wp_rest' );
}
if ( ! empty( $scenario['rest'] ) ) {
	list( $method, $path, $nonce ) = $scenario['rest'];
	list( $status, $body, $headers ) = wp_stub_rest_request( $method, $path, $nonce );
	$out['rest'] = array(
		'status'  => $status,
		'body'    => $body,
		'headers' => (object) $headers,
	);
}
$out['errors'] = $GLOBALS['wp_stub']['errors'];
echo json_encode( $out );
