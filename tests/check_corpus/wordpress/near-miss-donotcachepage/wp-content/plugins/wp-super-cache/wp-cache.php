<?php
/*
Plugin Name: WP Super Cache
*/
