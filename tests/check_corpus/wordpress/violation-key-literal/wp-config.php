<?php
define( 'DB_NAME', getenv( 'DB_NAME' ) );
define( 'BESTCHATBOT_SIGNING_KEY', 'b7f3c9e1-widget-secret' ); // expect: key-literal
$table_prefix = 'wp_';
require_once ABSPATH . 'wp-settings.php';
