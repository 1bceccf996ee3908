"""The structure a maintainer would merge, counted from the source.

Every module under 400 lines, every function under 80 lines without its
docstring, no import cycle between sketchla modules (imports inside
functions included), native code reached only through the kernel package,
every estimator keyword-only.
"""

import ast
import inspect
import pathlib

import numpy as np
import pytest

import sketchla

ROOT = pathlib.Path(sketchla.__file__).parent
#: a small dense matrix for the deprecation checks
_A = np.random.default_rng(0).standard_normal((200, 4))
MAX_MODULE = 400
MAX_FUNCTION = 80


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def long_modules():
    """(module, lines) for every module over the limit."""
    return [(name, n) for name, path in _modules()
            if (n := len(path.read_text().splitlines())) > MAX_MODULE]


def _body_lines(node):
    body = node.body
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]
    if not body:
        return 0
    return body[-1].end_lineno - body[0].lineno + 1


def long_functions():
    """(module.function, lines) for every function over the limit."""
    out = []
    for name, path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if (n := _body_lines(node)) > MAX_FUNCTION:
                    out.append((f"{name}.{node.name}", n))
    return out


def _resolve(module, is_package, node, known):
    """The sketchla modules that one import statement loads."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in known]
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("sketchla"):
        return []
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in known else target)
    return [t for t in out if t in known]


def _ancestors(module):
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(2, len(parts))}


def import_graph():
    """module -> the sketchla modules whose code runs when it is imported: what
    it imports at any depth of its code (inside functions too), and the
    packages above each (their ``__init__`` runs first), except its own."""
    mods = dict(_modules())
    graph = {}
    for name, path in mods.items():
        is_package = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _resolve(name, is_package, node, mods):
                    edges.add(target)
                    edges.update(_ancestors(target))
        own = _ancestors(name) | {name, "sketchla"}
        graph[name] = {t for t in edges if t in mods and t not in own}
    return graph


def import_cycles():
    """The strongly connected components of the import graph with more than
    one module."""
    graph = import_graph()
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def native_calls():
    """Modules outside the kernel package that call ``native()``."""
    out = []
    for name, path in _modules():
        if name.startswith("sketchla._kernels"):
            continue
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "native"):
                out.append(name)
                break
    return out


def estimators():
    from sklearn.base import BaseEstimator
    return [(name, obj) for name in sketchla.__all__
            if inspect.isclass(obj := getattr(sketchla, name)) and issubclass(obj, BaseEstimator)]


def positional_estimators():
    out = []
    for name, cls in estimators():
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        if any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
            out.append(name)
    return out


def test_modules_short():
    assert long_modules() == []


def test_functions_short():
    assert long_functions() == []


def test_no_import_cycles():
    assert import_cycles() == []


def test_native_only_in_kernel_package():
    assert native_calls() == []


def test_estimators_keyword_only():
    assert positional_estimators() == []


if __name__ == "__main__":
    for check in (long_modules, long_functions, import_cycles, native_calls,
                  positional_estimators):
        print(check.__name__, check())


def test_positional_estimator_parameters_still_work_with_a_warning():
    # the old spelling keeps working for one release
    from sketchla import AltMinCompletion

    with pytest.warns(FutureWarning, match="keyword"):
        est = AltMinCompletion(3, random_state=0)
    assert est.rank == 3 and est.random_state == 0
    with pytest.raises(TypeError, match="multiple values"):
        AltMinCompletion(3, rank=4)


def test_renamed_parameters_still_work_with_a_warning():
    import numpy as np

    from sketchla import AltMinCompletion, altmin_complete
    from sketchla.datasets import make_low_rank_completion

    X, _, _ = make_low_rank_completion(60, 50, 2, fraction=0.5, rng=0)
    new = altmin_complete(X, 2, method="exact", sketch_size=8, rng=0)
    with pytest.warns(FutureWarning, match="solver= is deprecated"):
        old = altmin_complete(X, 2, solver="exact", rng=0)
    assert np.array_equal(old.U, altmin_complete(X, 2, method="exact", rng=0).U)
    with pytest.warns(FutureWarning, match="use .method"):
        assert new.solver == "exact"
    with pytest.raises(TypeError, match="deprecated spelling"):
        altmin_complete(X, 2, solver="exact", method="exact")
    with pytest.warns(FutureWarning, match="sketch_rows= is deprecated"):
        est = AltMinCompletion(rank=2, sketch_rows=9)
    assert est.get_params()["sketch_size"] == 9 and "sketch_rows" not in est.get_params()


@pytest.mark.parametrize("call,old,new", [
    (lambda kw: sketchla.approx_matmul(_A, _A, 50, rng=0, **kw), {"method": "srht"},
     {"sketch": "srht"}),
    (lambda kw: sketchla.range_finder(_A, rng=0, **kw), {"size": 3}, {"sketch_size": 3}),
    (lambda kw: sketchla.make_sketch(m=8, n=200, rng=0, **kw).toarray(), {"kind": "gaussian"},
     {"sketch": "gaussian"}),
    (lambda kw: sketchla.sample_rows(_A, rng=0, **kw).indices, {"n_samples": 7, "mode": "iid"},
     {"sketch_size": 7, "method": "iid"}),
    (lambda kw: sketchla.lp_regression(_A, _A[:, 0], 1, rng=0, **kw), {"n_samples": 40},
     {"sketch_size": 40}),
    (lambda kw: sketchla.quantile_regression(_A, _A[:, 0], rng=0, **kw), {"n_samples": 40},
     {"sketch_size": 40}),
])
def test_old_spellings_give_the_same_answer_with_a_warning(call, old, new):
    import numpy as np

    with pytest.warns(FutureWarning, match="deprecated"):
        before = call(old)
    np.testing.assert_array_equal(before, call(new))



def test_result_objects_unpack_and_carry_their_fields():
    import pickle

    import numpy as np

    from sketchla.datasets import make_symmetric_tensor

    res = sketchla.randomized_svd(_A, 2, rng=0)
    U, s, Vt = res
    assert res.s is s and res.error > 0 and len(res) == 3
    back = pickle.loads(pickle.dumps(res))
    assert back.error == res.error and np.array_equal(back.U, U)
    with pytest.warns(FutureWarning, match="return_error"):
        *_, err = sketchla.randomized_svd(_A, 2, rng=0, return_error=True)
    assert err == res.error
    T, _, _ = make_symmetric_tensor(4, 3, 2, rng=0)
    eig = sketchla.sshopm(T, rng=0)
    lam, x = eig
    assert eig.eigenvalue == lam and eig.n_iter >= 1 and len(eig.history) == eig.n_iter + 1
    with pytest.warns(FutureWarning, match="return_info"):
        assert sketchla.sshopm(T, rng=0, return_info=True)[2]["n_iter"] == eig.n_iter


def test_deprecation_warnings_name_the_callers_line():
    from sketchla import AltMinCompletion

    for make in (lambda: AltMinCompletion(rank=2, solver="exact"),
                 lambda: AltMinCompletion(rank=2, sketch_rows=6),
                 lambda: sketchla.sample_rows(_A, n_samples=5, rng=0)):
        with pytest.warns(FutureWarning, match="deprecated") as record:
            make()
        assert record[0].filename == __file__
