WIDGET_SIGNING_KEY = "sk-widget-0f3c9a"  # expect: key-literal
