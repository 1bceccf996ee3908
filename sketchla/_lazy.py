"""Lazy package attributes (PEP 562): a public name is imported from the
module that defines it on first access, so ``import sketchla`` stays light and
the function API never imports scikit-learn (only the estimators do)."""

from __future__ import annotations

import importlib
import sys


def lazy_attributes(package, table):
    """``(__getattr__, __dir__)`` for ``package``.

    ``table`` maps a public name to the submodule (relative to ``package``)
    that defines it, or to None for a name that is itself a submodule. A
    resolved name is cached in the package's namespace.
    """

    def __getattr__(name):
        if name not in table:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        sub = table[name]
        if sub is None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            value = getattr(importlib.import_module(f"{package}.{sub}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
