"""The type stub (__init__.pyi) matches the package: every public name is
declared, and every method's parameters have the runtime's names, order
and kinds."""
import ast
import inspect
import os

import eclectyc

STUB = os.path.join(os.path.dirname(eclectyc.__file__), "__init__.pyi")


def stub_tree():
    with open(STUB) as f:
        return ast.parse(f.read())


def stub_names(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def params(args):
    out = [(a.arg, "positional") for a in args.posonlyargs + args.args]
    if args.vararg:
        out.append((args.vararg.arg, "var"))
    out += [(a.arg, "keyword") for a in args.kwonlyargs]
    return out


def runtime_params(fn):
    kinds = {inspect.Parameter.POSITIONAL_ONLY: "positional",
             inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
             inspect.Parameter.VAR_POSITIONAL: "var",
             inspect.Parameter.KEYWORD_ONLY: "keyword"}
    return [(p.name, kinds[p.kind]) for p in inspect.signature(fn).parameters.values()]


def test_py_typed_marker():
    assert os.path.exists(os.path.join(os.path.dirname(eclectyc.__file__), "py.typed"))


def test_every_public_name_is_in_the_stub():
    names = stub_names(stub_tree())
    missing = [n for n in eclectyc.__all__ if n not in names]
    assert not missing
    for name in ("ERROR", "EINVALID", "EPARSE", "ProgressCallback", "LogCallback"):
        assert name in names


def test_methods_match_the_runtime():
    tree = stub_tree()
    checked = 0
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or not hasattr(eclectyc, node.name):
            continue
        cls = getattr(eclectyc, node.name)
        declared = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
        public = {name for name, value in vars(cls).items()
                  if not name.startswith("_") and (callable(value) or isinstance(value, (property, classmethod)))}
        if not issubclass(cls, Exception):
            assert public <= set(declared), (cls, public - set(declared))
        for name, fn_node in declared.items():
            attr = inspect.getattr_static(cls, name)
            if isinstance(attr, property):
                continue
            fn = getattr(cls, name)
            stub = params(fn_node.args)
            if isinstance(attr, classmethod):
                stub = stub[1:]
            assert stub == runtime_params(fn), (cls.__name__, name)
            checked += 1
    assert checked >= 25
