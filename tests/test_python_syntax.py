"""Python syntax newer than the running interpreter: lowered for `ast` with every line (and the
columns detectors read) in place; validity decided by LibCST's native parser."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from scaffolder import languages
from scaffolder.project import Project
from scaffolder.python import syntax
from scaffolder.python.lower import lower
from scaffolder.python.source import PythonIndex


def _lowered(code: str) -> str:
    return lower(cst.parse_module(code))


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("try:\n    pass\nexcept (A, B):\n    pass\n", id="parenthesized except"),
        pytest.param("try:\n    pass\nexcept* (A, B):\n    pass\n", id="parenthesized except*"),
        pytest.param("X: TypeAlias = int\ntype = 3\nprint(type)\n", id="type as a name"),
        pytest.param('x = f"{a!r:>{w}}" + f\'{b["k"]}\'\n', id="readable f-strings kept"),
        pytest.param("def f(x: T) -> T:\n    return x\n", id="no type parameters"),
    ],
)
def test_lower_noop(code: str) -> None:
    assert _lowered(code) == code


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "try:\n    pass\nexcept A, B:\n    pass\n",
            "try:\n    pass\nexcept(A, B):\n    pass\n",
            id="PEP 758 except A, B",
        ),
        pytest.param(
            "try:\n    pass\nexcept* A, B: x = 1\n",
            "try:\n    pass\nexcept*(A, B): x = 1\n",
            id="PEP 758 except* A, B",
        ),
        pytest.param("type X = int\n", "X      = int\n", id="PEP 695 type alias"),
        pytest.param(
            "type Pair[K, V = int] = dict[K, V]\n",
            "Pair                  = dict[K, V]\n",
            id="PEP 695/696 generic alias with a default",
        ),
        pytest.param(
            "def f[T: (int, str), *Ts, **P](x: T) -> T:\n    return x\n",
            "def f                         (x: T) -> T:\n    return x\n",
            id="PEP 695 function type parameters",
        ),
        pytest.param(
            "class C[T](Base):\n    x: T\n",
            "class C   (Base):\n    x: T\n",
            id="PEP 695 class type parameters",
        ),
        pytest.param(
            "class C[\n    T,  # the item\n]:\n    pass\n",
            "class C \\\n" + " " * len("    T,  # the item") + "\\\n :\n    pass\n",
            id="type parameters over lines",
        ),
        pytest.param(
            'x = f"{a["b"]}" + g(1)\n',
            'x = "         " + g(1)\n',
            id="PEP 701 same quotes",
        ),
        pytest.param(
            'é = f"{"\\n".join(y)}é"; z = 1\n',
            'é = "                 "; z = 1\n',
            id="PEP 701 backslash, non-ASCII kept as wide in bytes",
        ),
        pytest.param(
            'x = f"""{\n    a  # why\n}"""; y = 2\n',
            'x = "   \\\n' + " " * len("    a  # wh") + '\\\n   "; y = 2\n',
            id="PEP 701 comment in a multi-line replacement field",
        ),
        pytest.param(
            'x = ("a" f"{d["k"]}"\n     f"plain {y}")\n',
            'x = ("a" "         "\n     f"plain {y}")\n',
            id="only the unreadable part of a concatenation",
        ),
        pytest.param('x = t"hi {name}"\n', 'x = "          "\n', id="PEP 750 t-string"),
    ],
)
def test_lower_fixes(before: str, after: str) -> None:
    assert _lowered(before) == after
    ast.parse(after)


def test_lowering_keeps_lines_and_the_columns_detectors_read() -> None:
    code = textwrap.dedent(
        """\
        import os

        type Alias[T] = list[T]


        def handler[T](items: list[T]) -> T:
            try:
                return items[0]
            except IndexError, KeyError:
                label = f"{os.environ["USER"]}"
            return router.include_router(child, prefix=f"/api/{"v1"}", tags=["x"])


        class Model[T]:
            email = Column(String(255))
        """
    )
    tree = syntax.parse(code)
    lines = code.splitlines()
    names = {n.id: n for n in ast.walk(tree) if isinstance(n, ast.Name)}
    for name in ("child", "router", "IndexError", "KeyError", "items", "Column", "String"):
        node = names[name]
        assert ast.get_source_segment(code, node) == name, name
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.keywords)
    assert ast.get_source_segment(code, call.keywords[1].value) == '["x"]'
    model = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    assert lines[model.lineno - 1] == "class Model[T]:"
    assert model.body[0].lineno == lines.index("    email = Column(String(255))") + 1


def test_parse_uses_ast_first() -> None:
    code = "def f(x):\n    return x\n"
    assert ast.dump(syntax.parse(code)) == ast.dump(ast.parse(code))


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("def index(:\n    pass\n", id="unclosed parameters"),
        pytest.param('print "hello"\n', id="Python 2 print"),
        pytest.param("type X = int\nx = (\n", id="newer syntax and a real error"),
    ],
)
def test_invalid_code_is_unparseable(code: str) -> None:
    with pytest.raises(syntax.Unparseable) as raised:
        syntax.parse(code)
    assert raised.value.message.startswith("Python syntax error: ")
    assert raised.value.valid is False


def _lowering_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand in for syntax LibCST reads that the lowering does not know yet."""
    monkeypatch.setattr(syntax, "lower", lambda module: module.code)


def test_valid_code_the_lowering_misses_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _lowering_gap(monkeypatch)
    with pytest.raises(syntax.Unparseable) as raised:
        syntax.parse("x = 1\ntype X = int\n")
    assert raised.value.valid is True
    assert raised.value.line == 2
    assert "cannot analyse" in raised.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("User | None", "User | None", id="union"),
        pytest.param("Optional['User']", "Optional['User']", id="nested string"),
        pytest.param("User) ; (x", None, id="two statements"),
        pytest.param("not an expression", None, id="invalid"),
    ],
)
def test_expression(text: str, expected: str | None) -> None:
    found = syntax.expression(text)
    assert (ast.unparse(found) if found is not None else None) == expected


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("try:\n    pass\nexcept A, B:\n    pass\n", id="3.14 except A, B"),
        pytest.param('x = t"{name}"\n', id="3.14 t-string"),
        pytest.param("type X[T] = list[T]\ndef f[T](x: T) -> T: ...\n", id="3.12 PEP 695"),
        pytest.param("def f[T = int](): ...\n", id="3.13 type parameter default"),
        pytest.param('x = f"{"a" + "b"}" + f"{y  # comment\n}"\n', id="3.12 PEP 701"),
    ],
)
def test_validator_accepts_newer_syntax(code: str) -> None:
    assert _validate_python(code) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        pytest.param("x = 1\ndef f(:\n    pass\n", "line 3: expected one of", id="parser"),
        pytest.param('x = "abc\n', "line 1: unterminated string literal", id="tokenizer"),
        pytest.param("type X = \n", "line 2: expected one of", id="incomplete alias"),
    ],
)
def test_validator_refuses_invalid_code(code: str, problem: str) -> None:
    found = _validate_python(code)
    assert found is not None and found.startswith(problem), found


def _validate_python(code: str) -> str | None:
    python = languages.get("python")
    assert python is not None and python.validator is not None
    return python.validator(code)


def _index(tmp_path: Path, files: dict[str, str]) -> tuple[Project, PythonIndex]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    project = Project(tmp_path)
    return project, PythonIndex(project)


def test_index_reads_newer_syntax_without_a_note(tmp_path: Path) -> None:
    project, index = _index(tmp_path, {"deps.py": "try:\n    pass\nexcept A, B:\n    user = 1\n"})
    mod = index.module("deps.py")
    assert mod is not None and project.notes == []
    assign = next(n for n in ast.walk(mod.tree) if isinstance(n, ast.Assign))
    assert assign.lineno == 4
    assert mod.text.count("except A, B") == 1  # the real text, never the lowered one


def test_index_blocks_on_a_real_syntax_error(tmp_path: Path) -> None:
    project, index = _index(tmp_path, {"app.py": "def index(:\n    pass\n"})
    assert index.module("app.py") is None
    assert [(n.file, n.line, n.blocking) for n in project.notes] == [("app.py", 1, True)]
    assert project.notes[0].message.startswith("Python syntax error: ")


def test_index_notes_valid_code_it_cannot_analyse_without_blocking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lowering_gap(monkeypatch)
    project, index = _index(tmp_path, {"odd.py": "x = 1\ntype X = int\n"})
    assert index.module("odd.py") is None
    assert [(n.file, n.line, n.blocking) for n in project.notes] == [("odd.py", 2, False)]
