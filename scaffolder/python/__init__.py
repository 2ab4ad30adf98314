"""Python tooling shared by the Python stacks: an `ast` index for detection, LibCST edits,
dependency manifests and the project's code style."""
