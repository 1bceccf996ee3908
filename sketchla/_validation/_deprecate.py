"""Deprecated spellings that keep working for one release with a
``FutureWarning``: positional estimator parameters and renamed keywords."""

from __future__ import annotations

import functools
import inspect
import warnings


def keyword_only(init):
    """Decorate an estimator's ``__init__(self, *, ...)`` so that positional
    arguments still work, mapped in order onto the keyword-only parameters,
    with a ``FutureWarning`` (scikit-learn's ``_deprecate_positional_args``).
    The signature seen by ``inspect`` (and ``get_params``) stays keyword-only."""
    names = [n for n, p in inspect.signature(init).parameters.items()
             if p.kind == p.KEYWORD_ONLY]

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if args:
            if len(args) > len(names):
                raise TypeError(f"{type(self).__name__}() takes at most {len(names)} "
                                f"parameters, got {len(args)} positional arguments")
            given = dict(zip(names, args))
            clash = sorted(set(given) & set(kwargs))
            if clash:
                raise TypeError(f"{type(self).__name__}() got multiple values for "
                                f"{', '.join(clash)}")
            warnings.warn(
                f"pass {', '.join(f'{k}={v!r}' for k, v in given.items())} as keyword "
                f"arguments: {type(self).__name__}'s parameters are keyword-only, and "
                "positional arguments will be an error in the next release",
                FutureWarning, stacklevel=2)
            kwargs.update(given)
        return init(self, **kwargs)

    return wrapper


def renamed(old, new, value, old_value, default=None):
    """The value of keyword ``new``, taking the deprecated spelling ``old``
    (with a ``FutureWarning``) when it was given instead; both given is a
    ``TypeError``. ``old_value`` is the sentinel ``default`` when omitted."""
    if old_value is default:
        return value
    if value is not default:
        raise TypeError(f"pass {new}= only ({old}= is its deprecated spelling)")
    warnings.warn(f"{old}= is deprecated and will be removed in the next release; "
                  f"use {new}=", FutureWarning, stacklevel=3)
    return old_value
