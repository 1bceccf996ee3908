"""numpydoc validation of every public name, as scikit-learn's test_docstrings.

Every public function and class documents its parameters (each with a
description), what it returns, Notes (the guarantee and the cost),
References and Examples, in numpydoc's section order; every Examples
section runs as a doctest.
"""

import doctest
import inspect
import warnings

import pytest

import sketchla

numpydoc = pytest.importorskip("numpydoc")
from numpydoc.docscrape import ClassDoc, FunctionDoc  # noqa: E402
from numpydoc.validate import validate  # noqa: E402

#: numpydoc's checks that fail the test: undocumented, unknown or
#: undescribed parameters, a function without Returns
_CHECKS = {"PR01": "Parameters", "PR02": "Parameters", "PR07": "Parameters",
           "RT01": "Returns", "GL07": "section order"}
_SECTIONS = ("Parameters", "Returns", "Notes", "References", "Examples")

def _public():
    for name in sketchla.__all__:
        obj = getattr(sketchla, name)
        if inspect.ismodule(obj) or not callable(obj):
            continue
        yield name, obj


def gaps(name, obj):
    """The sections of ``obj``'s docstring that are missing or incomplete."""
    is_class = inspect.isclass(obj)
    doc = ClassDoc(obj) if is_class else FunctionDoc(obj)
    try:
        params = [p for p in inspect.signature(obj).parameters if p not in ("self",)]
    except (TypeError, ValueError):
        params = []
    # a result container (a dataclass) documents its fields as Attributes
    attributes = {n for a in doc["Attributes"] for n in a.name.split(", ")}
    container = is_class and bool(attributes) and set(params) <= attributes
    out = set()
    for sec in _SECTIONS:
        if sec == "Returns" and is_class:
            continue
        if sec == "Parameters" and (not params or container):
            continue
        if not doc[sec]:
            out.add(sec)
    for code, _ in validate(f"sketchla.{name}")["errors"]:
        if code in _CHECKS and not (is_class and code == "RT01") and not (
                container and code == "PR01"):
            out.add(_CHECKS[code])
    return out


@pytest.mark.parametrize("name,obj", list(_public()), ids=lambda x: x if isinstance(x, str)
                         else "")
def test_docstring_complete(name, obj):
    found = gaps(name, obj)
    assert not found, f"{name}: incomplete docstring sections {sorted(found)}"


@pytest.mark.parametrize("name,obj", list(_public()), ids=lambda x: x if isinstance(x, str)
                         else "")
def test_docstring_examples_run(name, obj):
    """Every Examples section is a doctest that passes."""
    tests = doctest.DocTestFinder(recurse=False).find(obj, name, globs={})
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for test in tests:
            runner.run(test, out=report.append)
    assert sum(t.examples.__len__() for t in tests) > 0, f"{name} has no examples"
    assert runner.failures == 0, "".join(report)


def _public_methods():
    """(Class.method, function) for every public method, property excluded,
    that sketchla defines (not those inherited from scikit-learn) on the
    public classes."""
    for name, obj in _public():
        if not inspect.isclass(obj):
            continue
        for mname, member in inspect.getmembers(obj):
            if mname.startswith("_") or isinstance(inspect.getattr_static(obj, mname), property):
                continue
            fn = getattr(member, "__func__", member)
            fn = getattr(fn, "__wrapped__", fn)  # scikit-learn's set_output wrapper
            if inspect.isfunction(fn) and fn.__module__.startswith("sketchla"):
                yield f"{name}.{mname}", fn


@pytest.mark.parametrize("name,fn", list(_public_methods()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_method_parameters_documented(name, fn):
    """Every public method with arguments has a Parameters section naming
    each of them, with a description."""
    params = [p for p in inspect.signature(fn).parameters if p not in ("self", "cls")]
    doc = FunctionDoc(fn)
    documented = {n.strip() for p in doc["Parameters"] for n in p.name.split(",") if p.desc}
    missing = [p for p in params if p not in documented]
    assert not missing, f"{name}: parameters without a description {missing}"
