import ast
import difflib
import json
import sys
from pathlib import Path

MUT = Path.cwd() / "mutants"  # run from the scratch copy of the repository
_cache = {}


def funcs(module):
    if module not in _cache:
        path = MUT / (module.replace(".", "/") + ".py")
        src = path.read_text()
        tree = ast.parse(src)
        d = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                d.setdefault(node.name, ast.get_source_segment(src, node))
        _cache[module] = d
    return _cache[module]


def show(name):
    module, _, fn = name.rpartition(".")
    cls = None
    if "ǁ" in fn:
        _, cls, rest = fn.split("ǁ")
        base = rest.rsplit("__mutmut_", 1)[0]
        orig_name = f"xǁ{cls}ǁ{base}__mutmut_orig"
    else:
        orig_name = fn.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
    f = funcs(module)
    a, b = f[orig_name].splitlines(), f[fn].splitlines()
    return "\n".join(
        line for line in difflib.unified_diff(a, b, lineterm="", n=0) if not line.startswith(("---", "+++", "@@"))
    )


if __name__ == "__main__":
    res = json.loads(Path(sys.argv[1]).read_text())
    for n, r in res.items():
        if r["exit"] == 0:
            print("==", n)
            print(show(n))
