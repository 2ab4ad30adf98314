"""The JS / TS engine shared by the Next.js and Express stacks: source style and module system,
anchors located with tree-sitter, byte-range splices, `package.json` and tsconfig handling.

Public API (stable; import from the submodules named here):

`scaffolder.js.syntax` - one file's syntax tree and anchors (byte offsets, 1-based lines)
    Source.of(path, text)          -> Source (.text, .language, .tree, .root, .text_of(node),
                                      .line(node|offset), .indent_at(offset))
    language_of(path)              -> "javascript" | "typescript" | "tsx"
    find_calls(src, *names)        -> [call_expression]; "a.b" exact callee, ".b" any `x.b`
    callee_name(src, call), call_arguments(call), string_value(src, node)
    declarations(src)              -> {top-level name: value node}
    exports(src)                   -> {exported name: value node} (ESM and CommonJS)
    default_export(src)            -> Function(name, node, is_async, body) | None
    function_named(src, name)      -> Function | None
    jsx_elements(src, within, *names) -> [Element(name, node, opening, closing, attributes)]
    returned_jsx(src, fn)          -> outermost JSX elements a component returns
    insert_child(src, element, snippet, indent_unit) -> splice adding a last child
    checked_splice(text, edits, language, path) -> new text; BadInput if it no longer parses

`scaffolder.js.imports` - module systems and imports
    module_system(src, package_type=None, default="esm") -> "esm" | "commonjs"
    find_imports(src)              -> [Import(kind, source, default, namespace, names, ...)]
    imported(src, module, name="default") -> local name or None
    add_import(src, module, default=, names=, type_only=, style=) -> new text (ESM)
    add_require(src, module, default=, names=, style=)              -> new text (CommonJS)
    ensure_import(src, module, system, default=, names=, style=)    -> either of the above

`scaffolder.js.style` - quotes, semicolons, indentation, trailing commas, newline
    Style(quote, semicolons, indent, trailing_commas, newline); .semi, .string(value)
    detect(text, language)         -> the file's Style
    project_style(project, directory, sample_paths) -> Prettier config, else the samples
    restyle(code, style, language) -> canonical template code rewritten into `style`

`scaffolder.js.types`
    strip_types(ts_code, language="tsx") -> JavaScript (annotations, interfaces, casts gone)

`scaffolder.js.packages` - package.json and package managers
    load(project, path) / manifests(project) / nearest(project, file) -> PackageJson
        (.path, .directory, .data, .type, .dependencies(), .has(*names), .version(name),
         .workspaces, .evidence(name, why))
    add_dependency(text, name, version, section="dependencies") -> new package.json text
    package_manager(project, package_dir) -> PackageManager(name, root, evidence, lockfile)
        .install()
    lock_update(project, manager)  -> LockUpdate (the lockfile-only update) | None (no lockfile)
    plan_dependency(project, builder, package_dir, name, version, section=, why=) -> bool
        (edits package.json and plans the lockfile's update, else the install command; both run
        by `apply --install`)

`scaffolder.js.tsconfig` - tsconfig / jsconfig (JSON with comments, `extends`)
    load(project, package_dir)     -> TsConfig(.paths, .aliases, .base_url, .includes(path))
    resolve(project, config, importer, specifier) -> project file or None
    specifier_for(config, importer, target) -> "@/lib/x" through an alias, else "../lib/x"

`scaffolder.js.jsonc` - parse(text) -> Value with offsets; loads(text); set_member(...)
"""
