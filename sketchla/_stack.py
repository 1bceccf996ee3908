"""Where the library's warnings point: the first frame outside sketchla.

Every warning names the user's line that called into the library, however
many of the library's own frames (wrappers, drivers, helpers) lie between,
as pandas' ``find_stack_level`` does; a fixed ``stacklevel`` would point into
the library whenever a call path grows by one frame.
"""

from __future__ import annotations

import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def find_stack_level():
    """The ``stacklevel`` for :func:`warnings.warn`, called in the same
    function, that names the first frame outside the package."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level
