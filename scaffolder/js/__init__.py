"""The JS / TS engine shared by the Next.js and Express stacks: source style and module system,
anchors located with tree-sitter, byte-range splices, and `package.json` edits."""
