<?php
define( 'DB_NAME', getenv( 'DB_NAME' ) );
define( 'BESTCHATBOT_SIGNING_KEY', getenv( 'BESTCHATBOT_SIGNING_KEY' ) );
$table_prefix = 'wp_';
require_once ABSPATH . 'wp-settings.php';
