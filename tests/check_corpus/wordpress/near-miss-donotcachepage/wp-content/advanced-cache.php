<?php
// WP Super Cache's drop-in
