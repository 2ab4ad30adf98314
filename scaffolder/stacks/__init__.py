"""Stack plugins, one package per framework, discovered automatically (see `registry`)."""
