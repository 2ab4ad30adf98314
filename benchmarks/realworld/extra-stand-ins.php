<?php
/**
 * WordPress functions real themes and plugins call while they load, which the tool's own
 * stand-ins (tests/php/wordpress.php) do without: loaded after them, by the benchmark only.
 * Each behaves as WordPress documents it, for the single-site, front-end request the check runs.
 */

if ( ! function_exists( 'trailingslashit' ) ) {
	function trailingslashit( $value ) {
		return untrailingslashit( $value ) . '/';
	}
}

if ( ! function_exists( 'untrailingslashit' ) ) {
	function untrailingslashit( $value ) {
		return rtrim( $value, '/\\' );
	}
}

if ( ! function_exists( 'has_action' ) ) {
	function has_action( $hook, $callback = false ) {
		$by_priority = $GLOBALS['wp_stub']['hooks'][ $hook ] ?? array();
		if ( false === $callback ) {
			return ! empty( $by_priority );
		}
		foreach ( $by_priority as $priority => $callbacks ) {
			foreach ( $callbacks as list( $registered ) ) {
				if ( $registered === $callback ) {
					return $priority;
				}
			}
		}
		return false;
	}
}

if ( ! function_exists( 'has_filter' ) ) {
	function has_filter( $hook, $callback = false ) {
		return has_action( $hook, $callback );
	}
}

if ( ! function_exists( 'register_deactivation_hook' ) ) {
	function register_deactivation_hook( $file, $callback ) {
		add_action( 'deactivate_' . plugin_basename( $file ), $callback );
	}
}

if ( ! function_exists( 'wp_die' ) ) {
	function wp_die( $message = '' ) {
		throw new RuntimeException( 'wp_die: ' . ( is_string( $message ) ? $message : 'called' ) );
	}
}

if ( ! function_exists( 'get_parent_theme_file_uri' ) ) {
	function get_parent_theme_file_uri( $file = '' ) {
		return get_template_directory_uri() . ( $file ? '/' . ltrim( $file, '/' ) : '' );
	}
}

if ( ! function_exists( 'get_parent_theme_file_path' ) ) {
	function get_parent_theme_file_path( $file = '' ) {
		return get_template_directory() . ( $file ? '/' . ltrim( $file, '/' ) : '' );
	}
}

if ( ! function_exists( 'plugin_dir_path' ) ) {
	function plugin_dir_path( $file ) {
		return trailingslashit( dirname( $file ) );
	}
}

if ( ! function_exists( 'plugin_dir_url' ) ) {
	function plugin_dir_url( $file ) {
		return trailingslashit( plugins_url( '', $file ) );
	}
}

if ( ! function_exists( 'is_admin' ) ) {
	function is_admin() {
		return false;
	}
}

if ( ! function_exists( 'is_multisite' ) ) {
	function is_multisite() {
		return false;
	}
}

if ( ! function_exists( 'get_locale' ) ) {
	function get_locale() {
		return 'en_US';
	}
}

if ( ! function_exists( 'determine_locale' ) ) {
	function determine_locale() {
		return get_locale();
	}
}

defined( 'WP_CONTENT_DIR' ) || define( 'WP_CONTENT_DIR', dirname( (string) getenv( 'WP_STUB_THEME_DIR' ) ) );
defined( 'WP_PLUGIN_DIR' ) || define( 'WP_PLUGIN_DIR', WP_CONTENT_DIR . '/plugins' );

if ( ! function_exists( 'remove_action' ) ) {
	function remove_action( $hook, $callback, $priority = 10 ) {
		$callbacks = $GLOBALS['wp_stub']['hooks'][ $hook ][ $priority ] ?? array();
		foreach ( $callbacks as $i => list( $registered ) ) {
			if ( $registered === $callback ) {
				unset( $GLOBALS['wp_stub']['hooks'][ $hook ][ $priority ][ $i ] );
				return true;
			}
		}
		return false;
	}
}

if ( ! function_exists( 'remove_filter' ) ) {
	function remove_filter( $hook, $callback, $priority = 10 ) {
		return remove_action( $hook, $callback, $priority );
	}
}

if ( ! function_exists( 'load_textdomain' ) ) {
	function load_textdomain( $domain, $mofile ) {
		return is_readable( $mofile );
	}
}
defined( 'WP_LANG_DIR' ) || define( 'WP_LANG_DIR', WP_CONTENT_DIR . '/languages' );

if ( ! function_exists( 'wp_register_script' ) ) {
	function wp_register_script( $handle, $src, $deps = array(), $ver = false, $args = array() ) {
		$GLOBALS['wp_stub']['registered_scripts'][ $handle ] = $src;
		return true;
	}
}

if ( ! function_exists( 'get_stylesheet_directory' ) ) {
	function get_stylesheet_directory() {
		return apply_filters( 'stylesheet_directory', get_template_directory() );
	}
}

if ( ! function_exists( 'get_theme_file_path' ) ) {
	function get_theme_file_path( $file = '' ) {
		$file = ltrim( $file, '/' );
		if ( '' === $file ) {
			$path = get_stylesheet_directory();
		} elseif ( file_exists( get_stylesheet_directory() . '/' . $file ) ) {
			$path = get_stylesheet_directory() . '/' . $file;
		} else {
			$path = get_template_directory() . '/' . $file;
		}
		return apply_filters( 'theme_file_path', $path, $file );
	}
}

/*
 * The walker classes themes extend for their menus, so their subclasses load; the check renders
 * no menu. As in WordPress, Walker's level and element callbacks do nothing until overridden.
 */
if ( ! class_exists( 'Walker' ) ) {
	class Walker {
		public $tree_type;
		public $db_fields;
		public $max_pages = 1;
		public $has_children;

		public function start_lvl( &$output, $depth = 0, $args = array() ) {
		}

		public function end_lvl( &$output, $depth = 0, $args = array() ) {
		}

		public function start_el( &$output, $data_object, $depth = 0, $args = array(), $current_object_id = 0 ) {
		}

		public function end_el( &$output, $data_object, $depth = 0, $args = array() ) {
		}
	}
}

if ( ! class_exists( 'Walker_Nav_Menu' ) ) {
	class Walker_Nav_Menu extends Walker {
		public $tree_type = array( 'post_type', 'taxonomy', 'custom' );
		public $db_fields = array(
			'parent' => 'menu_item_parent',
			'id'     => 'db_id',
		);
	}
}

if ( ! function_exists( 'get_theme_mod' ) ) {
	// A fresh site: the theme has no saved modifications, so each one is its default.
	function get_theme_mod( $name, $default_value = false ) {
		if ( is_string( $default_value ) ) {
			$default_value = sprintf( $default_value, get_template_directory_uri(), get_stylesheet_directory_uri() );
		}
		return apply_filters( "theme_mod_{$name}", $default_value );
	}
}

if ( ! function_exists( 'get_stylesheet_directory_uri' ) ) {
	function get_stylesheet_directory_uri() {
		return apply_filters( 'stylesheet_directory_uri', get_template_directory_uri() );
	}
}
