<?php
/**
 * Stand-ins for the WordPress functions that the generated code and the fixtures call, so the
 * patched theme / plugin / mu-plugin runs under the php CLI. They behave like core where it
 * matters to the contract: hooks run in priority order, is_user_logged_in() follows the current
 * user, register_rest_route() is only allowed inside rest_api_init, and a REST request goes
 * through core's cookie + nonce check (wp-includes/rest-api.php rest_cookie_check_errors) and the
 * route's permission_callback before its callback. wp_footer prints the enqueued footer scripts,
 * their localized data first, as core's wp_print_footer_scripts does. URLs are under
 * WP_STUB_HOME (the server's address under server.php), else https://example.test.
 */

define( 'ABSPATH', __DIR__ . '/' );
define( 'HOUR_IN_SECONDS', 3600 );
define( 'WPINC', 'wp-includes' );

class WP_User {
	public $ID           = 0;
	public $user_login   = '';
	public $user_email   = '';
	public $display_name = '';

	public function __construct( array $fields = array() ) {
		foreach ( $fields as $field => $value ) {
			$this->$field = $value;
		}
	}

	public function exists() {
		return ! empty( $this->ID );
	}

	public function has_cap( $cap ) {
		return false;
	}
}

class WP_REST_Server {
	const READABLE  = 'GET';
	const CREATABLE = 'POST';
}

class WP_REST_Response {
	public $data;
	public $status;
	public $headers = array();

	public function __construct( $data = null, $status = 200, $headers = array() ) {
		$this->data    = $data;
		$this->status  = $status;
		$this->headers = $headers;
	}
}

$GLOBALS['wp_stub'] = array(
	'user'      => new WP_User(),
	'hooks'     => array( 'wp_footer' => array( 20 => array( array( 'wp_stub_print_footer_scripts', 0 ) ) ) ),
	'done'      => array(),
	'current'   => array(),
	'scripts'   => array(),
	'styles'    => array(),
	'localized' => array(),
	'routes'    => array(),
	'headers'   => array(),
	'errors'    => array(),
);

function wp_stub_user( $user ) {
	$GLOBALS['wp_stub']['user'] = $user;
}

function wp_get_current_user() {
	return $GLOBALS['wp_stub']['user'];
}

function get_current_user_id() {
	return (int) wp_get_current_user()->ID;
}

function is_user_logged_in() {
	return wp_get_current_user()->exists();
}

function add_action( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	$GLOBALS['wp_stub']['hooks'][ $hook ][ $priority ][] = array( $callback, $accepted_args );
	return true;
}

function add_filter( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	return add_action( $hook, $callback, $priority, $accepted_args );
}

function do_action( $hook, ...$args ) {
	$GLOBALS['wp_stub']['done'][ $hook ] = ( $GLOBALS['wp_stub']['done'][ $hook ] ?? 0 ) + 1;
	$GLOBALS['wp_stub']['current'][]     = $hook;
	$by_priority                         = $GLOBALS['wp_stub']['hooks'][ $hook ] ?? array();
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as list( $callback, $accepted ) ) {
			if ( ! is_callable( $callback ) ) {
				throw new RuntimeException( "hook $hook: callback is not callable: " . var_export( $callback, true ) );
			}
			call_user_func_array( $callback, array_slice( $args, 0, $accepted ) );
		}
	}
	array_pop( $GLOBALS['wp_stub']['current'] );
}

function apply_filters( $hook, $value, ...$args ) {
	$by_priority = $GLOBALS['wp_stub']['hooks'][ $hook ] ?? array();
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as list( $callback, $accepted ) ) {
			$value = call_user_func_array( $callback, array_slice( array_merge( array( $value ), $args ), 0, $accepted ) );
		}
	}
	return $value;
}

function did_action( $hook ) {
	return $GLOBALS['wp_stub']['done'][ $hook ] ?? 0;
}

function doing_action( $hook ) {
	return in_array( $hook, $GLOBALS['wp_stub']['current'], true );
}

function __return_true() {
	return true;
}

function esc_attr( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}

function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}

function esc_url( $url ) {
	return htmlspecialchars( (string) $url, ENT_QUOTES, 'UTF-8' );
}

function esc_url_raw( $url ) {
	return (string) $url;
}

function __( $text, $domain = 'default' ) {
	return $text;
}

function esc_html__( $text, $domain = 'default' ) {
	return esc_html( $text );
}

function wp_json_encode( $data, $options = 0, $depth = 512 ) {
	return json_encode( $data, $options, $depth );
}

function wp_get_nocache_headers() {
	return array(
		'Expires'       => 'Wed, 11 Jan 1984 05:00:00 GMT',
		'Cache-Control' => 'no-cache, must-revalidate, max-age=0, no-store, private',
	);
}

function nocache_headers() {
	foreach ( wp_get_nocache_headers() as $name => $value ) {
		$GLOBALS['wp_stub']['headers'][ $name ] = $value;
	}
}

/**
 * The headers of a front-end page, as WP::send_headers() builds them before the template runs:
 * core's no-cache headers for logged-in users (or `$core` in their place: an older core, a
 * caching plugin), through the wp_headers filter; then the send_headers action.
 */
function wp_stub_send_headers( $core = null ) {
	$headers = $core ?? ( is_user_logged_in() ? wp_get_nocache_headers() : array() );
	$headers = apply_filters( 'wp_headers', $headers, null );
	do_action( 'send_headers', null );
	return $headers;
}

function wp_create_nonce( $action = -1 ) {
	return substr( hash_hmac( 'sha256', $action . '|' . get_current_user_id(), 'stand-in nonce salt' ), 0, 10 );
}

function wp_verify_nonce( $nonce, $action = -1 ) {
	return is_string( $nonce ) && hash_equals( wp_create_nonce( $action ), $nonce ) ? 1 : false;
}

function wp_stub_home() {
	return getenv( 'WP_STUB_HOME' ) ?: 'https://example.test';
}

function home_url( $path = '' ) {
	return wp_stub_home() . '/' . ltrim( $path, '/' );
}

function rest_url( $path = '' ) {
	return wp_stub_home() . '/wp-json/' . ltrim( $path, '/' );
}

function admin_url( $path = '' ) {
	return wp_stub_home() . '/wp-admin/' . ltrim( $path, '/' );
}

function plugins_url( $path = '', $plugin = '' ) {
	$base = wp_stub_home() . '/wp-content/plugins';
	if ( $plugin && false !== strpos( $plugin, '/mu-plugins/' ) ) {
		return wp_stub_home() . '/wp-content/mu-plugins/' . ltrim( $path, '/' );
	}
	return $base . '/' . basename( dirname( $plugin ) ) . '/' . ltrim( $path, '/' );
}

function plugin_basename( $file ) {
	return basename( dirname( $file ) ) . '/' . basename( $file );
}

function get_theme_file_uri( $file = '' ) {
	return wp_stub_home() . '/wp-content/themes/active/' . ltrim( $file, '/' );
}

function get_template_directory_uri() {
	return wp_stub_home() . '/wp-content/themes/active';
}

function get_stylesheet_uri() {
	return wp_stub_home() . '/wp-content/themes/active/style.css';
}

function get_template_directory() {
	return getenv( 'WP_STUB_THEME_DIR' );
}

function wp_enqueue_script( $handle, $src = '', $deps = array(), $ver = false, $args = array() ) {
	if ( '' !== $src ) {
		$GLOBALS['wp_stub']['scripts'][ $handle ] = array(
			'src'    => $src,
			'ver'    => $ver,
			'footer' => true === $args || ( is_array( $args ) && ! empty( $args['in_footer'] ) ),
		);
	}
}

function wp_register_style( $handle, $src = '', $deps = array(), $ver = false ) {
	$GLOBALS['wp_stub']['styles'][ $handle ] = $src;
}

function wp_enqueue_style( $handle, $src = '', $deps = array(), $ver = false ) {
	$GLOBALS['wp_stub']['styles'][ $handle ] = $src;
}

function wp_localize_script( $handle, $object_name, $l10n ) {
	if ( ! isset( $GLOBALS['wp_stub']['scripts'][ $handle ] ) ) {
		$GLOBALS['wp_stub']['errors'][] = "wp_localize_script: $handle is not enqueued";
		return false;
	}
	$GLOBALS['wp_stub']['localized'][ $handle ][ $object_name ] = $l10n;
	return true;
}

function register_rest_route( $route_namespace, $route, $args = array() ) {
	if ( ! doing_action( 'rest_api_init' ) ) {
		$GLOBALS['wp_stub']['errors'][] = 'register_rest_route called outside rest_api_init';
	}
	if ( empty( $args['permission_callback'] ) ) {
		$GLOBALS['wp_stub']['errors'][] = 'register_rest_route without permission_callback';
	}
	$GLOBALS['wp_stub']['routes'][ '/' . trim( $route_namespace, '/' ) . '/' . ltrim( $route, '/' ) ] = $args;
	return true;
}

function wp_footer() {
	do_action( 'wp_footer' );
}

function wp_stub_print_footer_scripts() {
	foreach ( $GLOBALS['wp_stub']['scripts'] as $handle => $script ) {
		if ( ! $script['footer'] ) {
			continue;
		}
		foreach ( $GLOBALS['wp_stub']['localized'][ $handle ] ?? array() as $name => $l10n ) {
			printf( "<script id=\"%s-js-extra\">\nvar %s = %s;\n</script>\n", esc_attr( $handle ), $name, wp_json_encode( $l10n ) );
		}
		$src = $script['src'] . ( $script['ver'] ? '?ver=' . rawurlencode( $script['ver'] ) : '' );
		printf( "<script src=\"%s\" id=\"%s-js\"></script>\n", esc_url( $src ), esc_attr( $handle ) );
	}
}

function bloginfo( $show = '' ) {
	echo esc_html( 'name' === $show ? 'Example Site' : '' );
}

function get_option( $name, $default = false ) {
	return $default;
}

function load_plugin_textdomain( ...$args ) {
	return true;
}

function register_activation_hook( $file, $callback ) {
}

function register_theme_directory( $directory ) {
	return true;
}

/**
 * The query of the page being served (WP_STUB_SITE's `pages`, by request path): `post_type`,
 * `slug`, `template` (a page template's file) and `front`. The front page by default.
 */
function wp_stub_query() {
	return $GLOBALS['wp_stub']['query'] ?? array( 'front' => true );
}

function is_front_page() {
	return ! empty( wp_stub_query()['front'] );
}

function is_singular( $post_types = '' ) {
	$type = wp_stub_query()['post_type'] ?? '';
	return '' !== $type && ( '' === $post_types || in_array( $type, (array) $post_types, true ) );
}

function is_page( $page = '' ) {
	$query = wp_stub_query();
	if ( 'page' !== ( $query['post_type'] ?? '' ) ) {
		return false;
	}
	return '' === $page || in_array( $query['slug'] ?? '', (array) $page, true );
}

function is_page_template( $template = '' ) {
	$current = wp_stub_query()['template'] ?? '';
	return '' === $template ? '' !== $current : in_array( $current, (array) $template, true );
}

function comments_open() {
	return false;
}

class WP_Theme {
	public function get( $header ) {
		return '1.0.0';
	}

	public function parent() {
		return $this;
	}
}

function wp_get_theme() {
	return new WP_Theme();
}

function add_shortcode( $tag, $callback ) {
}

/**
 * One REST request the way core serves it: cookie authentication needs a valid X-WP-Nonce
 * (none: the request runs as a visitor; a bad one: 403 rest_cookie_invalid_nonce), then the
 * route's permission_callback (false: 401 rest_forbidden for visitors), then its callback.
 */
function wp_stub_rest_request( $method, $path, $nonce ) {
	$GLOBALS['wp_stub']['headers'] = array();
	if ( is_user_logged_in() ) {
		if ( null === $nonce ) {
			wp_stub_user( new WP_User() );
		} elseif ( ! wp_verify_nonce( $nonce, 'wp_rest' ) ) {
			return array( 403, array( 'code' => 'rest_cookie_invalid_nonce' ), array() );
		}
	}
	do_action( 'rest_api_init' );
	$route = $GLOBALS['wp_stub']['routes'][ $path ] ?? null;
	if ( null === $route ) {
		return array( 404, array( 'code' => 'rest_no_route' ), array() );
	}
	if ( $method !== ( $route['methods'] ?? 'GET' ) ) {
		return array( 404, array( 'code' => 'rest_no_route' ), array() );
	}
	if ( is_user_logged_in() ) {
		nocache_headers(); // core sends these to logged-in users (rest_send_nocache_headers).
	}
	$allowed = call_user_func( $route['permission_callback'], null );
	if ( true !== $allowed ) {
		$status = is_user_logged_in() ? 403 : 401;
		return array( $status, array( 'code' => 'rest_forbidden' ), $GLOBALS['wp_stub']['headers'] );
	}
	$response = call_user_func( $route['callback'], null );
	if ( ! $response instanceof WP_REST_Response ) {
		$response = new WP_REST_Response( $response );
	}
	return array( $response->status, $response->data, $GLOBALS['wp_stub']['headers'] );
}
