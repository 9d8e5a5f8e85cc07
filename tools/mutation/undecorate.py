"""Scratch copy only: turn each decorated function's decorator (``@rule(...)``, ``@property``) into
an assignment below the function, ``_dates = rule(...)(_dates)``, so that mutmut 3.8.1 (which
skips every decorated function) mutates it. The same behaviour: ``rule`` returns the check, and
``name = property(name)`` in a class body is what ``@property`` does.

Usage, from the scratch copy of the repository, before generate.py:
    python tools/mutation/undecorate.py casebook/domain/finance.py casebook/domain/rules/ordinance.py ...
"""

import ast
import sys
from pathlib import Path


def undecorate(src: str) -> str:
    lines = src.splitlines(keepends=True)
    tree = ast.parse(src)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.decorator_list]
    for node in sorted(functions, key=lambda n: -n.lineno):  # from the end, so earlier line numbers hold
        if len(node.decorator_list) != 1:
            raise SystemExit(f"{node.name}: more than one decorator")
        decorator = node.decorator_list[0]
        assignment = f"{' ' * node.col_offset}{node.name} = {ast.get_source_segment(src, decorator)}({node.name})\n"
        at, def_line, end = decorator.lineno - 1, node.lineno - 1, node.end_lineno
        lines = lines[:at] + lines[def_line:end] + [assignment] + lines[end:]
    return "".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(undecorate(path.read_text()))
