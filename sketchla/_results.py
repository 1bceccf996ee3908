"""Result objects that unpack like a tuple of their leading fields and carry
further named fields, as SciPy's results do (``scipy.stats.ttest_ind``):
``U, s, Vt = randomized_svd(A, k)`` keeps working, and ``res.error`` is there
when wanted, whatever the call asked for."""

from __future__ import annotations

import inspect


class TupleResult(tuple):
    """A tuple of the fields in ``_fields``, with the fields in ``_extra`` as
    attributes only. Subclasses set both and document every field."""

    _fields: tuple = ()
    _extra: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        P = inspect.Parameter
        cls.__signature__ = inspect.Signature(
            [P(n, P.POSITIONAL_OR_KEYWORD) for n in cls._fields]
            + [P(n, P.POSITIONAL_OR_KEYWORD, default=None) for n in cls._extra])

    def __new__(cls, *args, **kwargs):
        names = cls._fields + cls._extra
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__} takes at most {len(names)} fields")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in values:
                raise TypeError(f"{cls.__name__}: unexpected or repeated field {key!r}")
            values[key] = value
        missing = [n for n in cls._fields if n not in values]
        if missing:
            raise TypeError(f"{cls.__name__}: missing fields {missing}")
        obj = super().__new__(cls, tuple(values[n] for n in cls._fields))
        for n in cls._extra:
            obj.__dict__[n] = values.get(n)
        return obj

    def __getattr__(self, name):
        fields = type(self)._fields
        if name in fields:
            return self[fields.index(name)]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __reduce__(self):
        return type(self), tuple(self) + tuple(self.__dict__[n] for n in self._extra)

    def __repr__(self):
        parts = [f"{n}={getattr(self, n)!r}" for n in self._fields + self._extra]
        return f"{type(self).__name__}({', '.join(parts)})"
