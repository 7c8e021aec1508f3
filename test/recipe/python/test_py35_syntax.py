"""Code that runs on ESXi (6.7 ships Python 3.5) or in the curtin environment must be
Python 3.5: parsed with the 3.5 grammar, plus checks for 3.6+ library use."""

import ast
import os
import py_compile
import sys
import tempfile
import unittest

from fake_host import RECIPE

ESXI_SIDE = [os.path.join(RECIPE, "payload", "maas_esxi", name)
             for name in sorted(os.listdir(os.path.join(RECIPE, "payload", "maas_esxi")))
             if name.endswith(".py")] + [os.path.join(RECIPE, "hooks", "curtin_hooks.py")]

NEW_MODULES = {"secrets", "dataclasses", "contextvars", "zoneinfo", "graphlib", "tomllib",
               "importlib.resources", "importlib.metadata"}
NEW_KEYWORDS = {"capture_output", "text", "encoding", "errors"}  # subprocess, 3.6/3.7
SUBPROCESS_CALLS = {"run", "Popen", "call", "check_call", "check_output"}
NEW_ATTRIBUTES = {"removeprefix", "removesuffix", "isascii", "fromisoformat", "choices", "isqrt",
                  "prod", "is_relative_to", "breakpoint", "fspath", "PathLike", "time_ns",
                  "monotonic_ns", "capture_output"}
NEW_NAMES = {"ModuleNotFoundError", "breakpoint"}  # 3.6 / 3.7 builtins


class Py35Checker(ast.NodeVisitor):
    def __init__(self):
        self.problems = []

    def problem(self, node, text):
        self.problems.append("line %d: %s" % (getattr(node, "lineno", 0), text))

    def visit_JoinedStr(self, node):
        self.problem(node, "f-string")

    def visit_AnnAssign(self, node):
        self.problem(node, "variable annotation")

    def visit_NamedExpr(self, node):
        self.problem(node, "walrus operator")

    def visit_FunctionDef(self, node):
        if getattr(node.args, "posonlyargs", None):
            self.problem(node, "positional-only parameters")
        if node.returns is not None or any(a.annotation is not None for a in node.args.args):
            self.problem(node, "annotations (keep the code plain for 3.5)")
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.module == "__future__" and any(a.name == "annotations" for a in node.names):
            self.problem(node, "from __future__ import annotations")
        if node.module in NEW_MODULES:
            self.problem(node, "module %s is newer than 3.5" % node.module)
        self.generic_visit(node)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name in NEW_MODULES:
                self.problem(node, "module %s is newer than 3.5" % alias.name)

    def visit_Call(self, node):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in SUBPROCESS_CALLS:
            for keyword in node.keywords:
                if keyword.arg in NEW_KEYWORDS:
                    self.problem(node, "subprocess %s(%s=...) is newer than 3.5" % (name, keyword.arg))
        if name == "run" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "subprocess":
            pass  # subprocess.run exists in 3.5 (without capture_output/text)
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in NEW_NAMES:
            self.problem(node, "%s is newer than 3.5" % node.id)

    def visit_Attribute(self, node):
        if node.attr in NEW_ATTRIBUTES:
            self.problem(node, ".%s is newer than 3.5" % node.attr)
        self.generic_visit(node)


def check_source(source, filename="<source>"):
    try:
        tree = ast.parse(source, filename, feature_version=(3, 5))
    except SyntaxError as err:
        return ["line %s: not Python 3.5 syntax: %s" % (err.lineno, err.msg)]
    checker = Py35Checker()
    checker.visit(tree)
    return checker.problems


class Py35SyntaxTest(unittest.TestCase):
    def test_esxi_side_code_is_python_3_5(self):
        self.assertGreater(len(ESXI_SIDE), 10)
        names = set(os.path.basename(path) for path in ESXI_SIDE)
        for module in ("firstboot.py", "step_events.py", "network_check.py", "management_network.py",
                       "boot_disk.py", "metadata.py", "__main__.py"):
            self.assertIn(module, names)
        for path in ESXI_SIDE:
            with open(path) as handle:
                self.assertEqual(check_source(handle.read(), path), [], path)

    def test_esxi_side_code_compiles(self):
        with tempfile.TemporaryDirectory() as out:
            for path in ESXI_SIDE:
                py_compile.compile(path, cfile=os.path.join(out, "x.pyc"), doraise=True)

    def test_grammar_check_catches_newer_syntax(self):
        for source in ("x = f'{1}'\n", "x: int = 1\n", "if (y := 1): pass\n", "n = 1_000\n",
                       "async def f():\n    return [x async for x in y]\n", "def f(a, /): pass\n"):
            self.assertIn("not Python 3.5 syntax", " ".join(check_source(source)), source)

    def test_ast_checker_catches_newer_python_on_its_own(self):
        samples = {
            "x = f'{1}'\n": "f-string",
            "x: int = 1\n": "variable annotation",
            "if (y := 1): pass\n": "walrus",
            "def f(a: int) -> int: pass\n": "annotations",
            "import secrets\n": "secrets",
            "from dataclasses import dataclass\n": "dataclasses",
            "import subprocess\nsubprocess.run(['a'], capture_output=True)\n": "capture_output",
            "import subprocess\nsubprocess.check_output(['a'], text=True)\n": "text=",
            "'a'.removeprefix('b')\n": "removeprefix",
            "try:\n    import x\nexcept ModuleNotFoundError:\n    pass\n": "ModuleNotFoundError",
            "import time\nt = time.monotonic_ns()\n": "monotonic_ns",
            "import os\np = os.fspath('a')\n": "fspath",
        }
        for source, expected in samples.items():
            checker = Py35Checker()
            checker.visit(ast.parse(source))
            self.assertIn(expected, " ".join(checker.problems), source)
        clean = Py35Checker()
        clean.visit(ast.parse("import subprocess\nsubprocess.Popen(['a'], stdout=subprocess.PIPE)\n"))
        self.assertEqual(clean.problems, [])


if __name__ == "__main__":
    unittest.main()
