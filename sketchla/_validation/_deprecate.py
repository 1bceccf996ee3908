"""Deprecated spellings that keep working for one release with a
``FutureWarning``: positional estimator parameters and renamed keywords."""

from __future__ import annotations

import functools
import inspect
import warnings
from .._stack import find_stack_level


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
                FutureWarning, stacklevel=find_stack_level())
            kwargs.update(given)
        return init(self, **kwargs)

    return wrapper


class _Deprecated:
    """The default of a deprecated keyword: tells "not given" from any value."""

    def __repr__(self):
        return "<deprecated>"


#: the default of every deprecated keyword of a function
DEPRECATED = _Deprecated()


def _both_given(old, new):
    return TypeError(f"got both {new}= and its deprecated spelling {old}=")


def _warn_renamed(old, new):
    """The ``FutureWarning`` of a renamed keyword, attributed to the
    caller's line (the first frame outside the package)."""
    warnings.warn(f"{old}= is deprecated and will be removed in the next release; use "
                  f"{new}=", FutureWarning, stacklevel=find_stack_level())


def renamed(old, old_value, new, new_value, new_default=None):
    """The value of parameter ``new`` of a public function, taking its
    deprecated spelling ``old`` (with a ``FutureWarning`` that points at the
    function's caller) when that was given instead; both given is a
    ``TypeError``. Called first thing in the function's body, so that its
    own warnings keep their stack levels."""
    if old_value is DEPRECATED:
        return new_value
    if new_value is not new_default and new_value != new_default:
        raise _both_given(old, new)
    _warn_renamed(old, new)
    return old_value


def rename_parameter(old, new):
    """Decorate an estimator's ``__init__`` whose parameter ``new`` was
    called ``old``: the old keyword keeps working for one release, with a
    ``FutureWarning`` naming the caller's line; both given is a ``TypeError``.
    (Functions use :func:`renamed` in their body instead.)"""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if old in kwargs:
                if new in kwargs:
                    raise _both_given(old, new)
                _warn_renamed(old, new)
                kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper

    return deco


def deprecated_alias(new):
    """A read-only property for a renamed result field: the old attribute
    name returns ``self.<new>`` with a ``FutureWarning``."""

    def get(self):
        warnings.warn(f"this attribute is deprecated and will be removed in the next "
                      f"release; use .{new}", FutureWarning, stacklevel=find_stack_level())
        return getattr(self, new)

    return property(get, doc=f"Deprecated spelling of :attr:`{new}`.")
