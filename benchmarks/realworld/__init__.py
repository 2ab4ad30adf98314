"""The real-world benchmark: bcb-scaffold run against pinned public apps (see README.md)."""
