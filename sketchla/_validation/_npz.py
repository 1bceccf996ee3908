"""Reading an untrusted ``.npz`` archive: bounded, verified, never blocking.

:func:`numpy.load` trusts the archive: a member's ``.npy`` header may
declare any shape (it allocates first), a member may decompress to far more
than its compressed size (an archive bomb is read whole before anything can
refuse it), a malformed header raises whatever its parser raises, and the
members' CRC-32 checksums are never checked (numpy reads exactly the bytes
the header declares, never to the member's end, where :mod:`zipfile`
verifies them). :func:`read_npz` instead

* opens only regular files (a FIFO or a device is refused without blocking);
* checks the archive's declared total against ``max_bytes`` before
  decompressing anything;
* parses each ``.npy`` header itself (magic, version, a bounded header
  length, a literal dict with a plain numeric or string dtype and a shape
  of non-negative integers), and requires the array it declares to fit the
  member's declared size and what is left of ``max_bytes`` before
  allocating it;
* reads each member in chunks of at most 16 MiB into that array, then to
  the member's end, so that :mod:`zipfile` verifies the CRC-32 of every
  member: a flipped bit anywhere in the archive is an error, not a value;
* turns every failure into a ``ValueError`` naming the file argument.

Peak memory is the arrays themselves plus one chunk.
"""

from __future__ import annotations

import ast
import math
import os
import stat

import numpy as np

__all__ = ["read_npz"]

_MAGIC = b"\x93NUMPY"
_CHUNK = 16 << 20
_MAX_HEADER = 1 << 16
_MAX_MEMBERS = 64


def _bad(name, why):
    return ValueError(f"{name}: not a readable .npz archive: {why}")


def _open(file, name):
    """(binary file object, whether to close it); a path must name a
    regular file, checked on the opened descriptor (no race, no block)."""
    if isinstance(file, (str, bytes, os.PathLike)):
        try:
            fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise ValueError(f"{name}: cannot open {os.fsdecode(file)!r}: "
                             f"{exc.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ValueError(f"{name} must be a regular file, got {os.fsdecode(file)!r}")
        return os.fdopen(fd, "rb"), True
    if not (hasattr(file, "read") and hasattr(file, "seek")):
        raise TypeError(f"{name} must be a path or a seekable binary file object, "
                        f"got {type(file).__name__}")
    return file, False


def _exact(stream, n, name):
    data = stream.read(n)
    if len(data) != n:
        raise _bad(name, "a member ends early")
    return data


def _header(stream, name):
    """(dtype, shape, fortran_order, header bytes) of one ``.npy`` member."""
    if _exact(stream, 6, name) != _MAGIC:
        raise _bad(name, "a member is not a .npy array")
    major, _minor = _exact(stream, 2, name)
    if major not in (1, 2, 3):
        raise _bad(name, f"unknown .npy format version {major}")
    width = 2 if major == 1 else 4
    length = int.from_bytes(_exact(stream, width, name), "little")
    if length > _MAX_HEADER:
        raise _bad(name, f"a .npy header of {length} bytes")
    text = _exact(stream, length, name).decode("latin1" if major < 3 else "utf8",
                                               errors="replace")
    try:
        d = ast.literal_eval(text)
    except Exception:  # SyntaxError, ValueError, tokenizer errors, recursion
        raise _bad(name, "a malformed .npy header") from None
    if not (isinstance(d, dict) and set(d) == {"descr", "fortran_order", "shape"}):
        raise _bad(name, "a malformed .npy header")
    descr, fortran, shape = d["descr"], d["fortran_order"], d["shape"]
    if not (isinstance(descr, str) and isinstance(fortran, bool) and isinstance(shape, tuple)
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                    for s in shape) and len(shape) <= 32):
        raise _bad(name, "a malformed .npy header")
    try:
        dtype = np.dtype(descr)
    except Exception:
        raise _bad(name, f"an unknown dtype {descr!r}") from None
    if dtype.kind not in "biufU" or dtype.hasobject or dtype.fields is not None:
        raise _bad(name, f"a dtype that a sketch never stores ({descr!r})")
    return dtype, shape, fortran, 6 + 2 + width + length


def _member(stream, declared, budget, name):
    """One array, its size checked against the member's declared size and
    the budget before it is allocated; read to the member's end."""
    dtype, shape, fortran, head = _header(stream, name)
    nbytes = math.prod(shape) * dtype.itemsize
    if head + nbytes != declared:
        raise _bad(name, f"a member declares {nbytes} bytes of data, its archive entry "
                         f"{declared - head}")
    if nbytes > budget:
        raise ValueError(f"{name}: the archive holds more than max_bytes = {budget} bytes "
                         "of arrays; pass a larger max_bytes if the file is trusted")
    out = np.empty(math.prod(shape), dtype=dtype)
    view = memoryview(out.view(np.uint8).reshape(-1)) if nbytes else memoryview(b"")
    done = 0
    while done < nbytes:
        got = stream.readinto(view[done:done + min(_CHUNK, nbytes - done)])
        if not got:
            raise _bad(name, "a member ends early")
        done += got
    if stream.read(1):  # also reaches the end, where zipfile checks the CRC-32
        raise _bad(name, "a member is longer than its array")
    return out.reshape(shape, order="F" if fortran else "C"), nbytes


def read_npz(file, *, max_bytes, name="file"):
    """``{member: ndarray}`` of the ``.npz`` archive ``file``, read as the
    module docstring says. ``max_bytes`` bounds the arrays in all."""
    import zipfile
    import zlib

    f, close = _open(file, name)
    try:
        try:
            with zipfile.ZipFile(f) as zf:
                infos = zf.infolist()
                if len(infos) > _MAX_MEMBERS:
                    raise _bad(name, f"{len(infos)} members")
                total = sum(i.file_size for i in infos)
                if total > max_bytes + _MAX_HEADER * len(infos):
                    raise ValueError(f"{name}: the archive declares {total} bytes, more than "
                                     f"max_bytes = {max_bytes}; pass a larger max_bytes if "
                                     "the file is trusted")
                out, budget = {}, max_bytes
                for info in infos:
                    key = info.filename[:-4] if info.filename.endswith(".npy") else None
                    if not key or key in out:
                        raise _bad(name, f"an unexpected member {info.filename!r}")
                    with zf.open(info) as stream:
                        out[key], used = _member(stream, info.file_size, budget, name)
                    budget -= used
                return out
        except ValueError:
            raise
        except (OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error,
                NotImplementedError, RuntimeError, OverflowError, MemoryError) as exc:
            raise _bad(name, f"{type(exc).__name__}: {exc}") from None
    finally:
        if close:
            f.close()
