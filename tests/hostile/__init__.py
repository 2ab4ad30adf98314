"""The hostile-answer table's harness: hostile values, the fixtures they are tried on, a sandbox
that proves nothing outside the project changed and nothing ran, and one renderer per stack that
runs the patched output for real (see tests/test_hostile.py)."""
