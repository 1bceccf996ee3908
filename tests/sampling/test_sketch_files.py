"""A saved sketch is an untrusted file: what CoordinatedSketch.load refuses,
and at what cost (an archive bomb, corrupted and oversized .npy headers,
members that are not arrays, a FIFO, a 1-byte file, flipped bits)."""

import io
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from sketchla import CoordinatedSketch, coordinated_sketch


def _sketch():
    A = np.random.default_rng(0).standard_normal((400, 8))
    return coordinated_sketch(A, 50, keys=np.arange(400), seed=1)


def _saved(sk):
    buf = io.BytesIO()
    sk.save(buf)
    return buf.getvalue()


def _npy_header(descr, shape):
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - len(text) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin1")


def _with_member(raw, name, payload):
    """The archive ``raw`` with member ``name`` replaced by ``payload``."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = payload if info.filename == name else src.read(info)
            dst.writestr(info.filename, data)
    out.seek(0)
    return out


@pytest.mark.parametrize("payload,match", [
    (b"\x93NUMPY\x01\x00\x30\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,",
     "not a readable"),                                 # unterminated header
    (b"PK this member is not an array at all", "not a .npy array"),
    (_npy_header("<f8", (2**40,)), "declares"),           # 8 TiB declared
    (_npy_header("|O", (3,)), "dtype"),                   # object arrays: never
    (_npy_header("<f8", (4,)) + b"\0" * 8, "declares"),  # shorter than its header says
])
def test_a_corrupted_member_is_a_value_error(payload, match):
    bad = _with_member(_saved(_sketch()), "data.npy", payload)
    with pytest.raises(ValueError, match=match):
        CoordinatedSketch.load(bad)


def test_a_one_byte_file_and_a_directory_are_value_errors(tmp_path):
    one = tmp_path / "one.npz"
    one.write_bytes(b"x")
    with pytest.raises(ValueError, match="CoordinatedSketch file"):
        CoordinatedSketch.load(one)
    with pytest.raises(ValueError, match="regular file"):
        CoordinatedSketch.load(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "sketch.npz"
    link.symlink_to(fifo)
    code = ("import sys; from sketchla import CoordinatedSketch\n"
            "try:\n    CoordinatedSketch.load(sys.argv[1])\n"
            "except ValueError as e:\n    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(link)], capture_output=True,
                         text=True, timeout=60)
    assert "refused" in out.stdout and "regular file" in out.stdout, out.stderr


def test_max_bytes_bounds_a_trusted_large_file():
    raw = _saved(_sketch())
    with pytest.raises(ValueError, match="max_bytes"):
        CoordinatedSketch.load(io.BytesIO(raw), max_bytes=100)
    CoordinatedSketch.load(io.BytesIO(raw), max_bytes=10**6)
    with pytest.raises(ValueError, match="max_bytes"):
        CoordinatedSketch.load(io.BytesIO(raw), max_bytes=0)


def _payloads(raw):
    """The byte ranges of the members' compressed data in the archive."""
    spans = []
    for info in zipfile.ZipFile(io.BytesIO(raw)).infolist():
        start = info.header_offset + 30
        name_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
        extra_len = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30],
                                   "little")
        start += name_len + extra_len
        spans.append((start, start + info.compress_size))
    return spans


@pytest.mark.parametrize("where", ["anywhere", "in the arrays"])
def test_no_flipped_bit_loads_a_different_sketch(where):
    sk = _sketch()
    raw = bytearray(_saved(sk))
    g = np.random.default_rng(0)
    if where == "anywhere":
        positions = g.integers(0, len(raw), 200)
    else:
        inside = np.concatenate([np.arange(a, b) for a, b in _payloads(bytes(raw))])
        positions = g.choice(inside, 200)
    silent = 0
    for pos, bit in zip(positions, g.integers(0, 8, 200)):
        bad = bytearray(raw)
        bad[pos] ^= 1 << bit
        try:
            got = CoordinatedSketch.load(io.BytesIO(bytes(bad)))
        except ValueError:
            continue
        same = (np.array_equal(got.key_id, sk.key_id) and np.array_equal(got.data, sk.data)
                and np.array_equal(got.prob, sk.prob) and got.seed == sk.seed
                and np.array_equal(got.indices, sk.indices)
                and np.array_equal(got.indptr, sk.indptr)
                and np.array_equal(got.weight, sk.weight) and np.array_equal(got.u, sk.u))
        silent += not same
    assert silent == 0


BOMB = """
import io, resource, sys, time, zipfile
import numpy as np
from sketchla import CoordinatedSketch
raw = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    CoordinatedSketch.load(io.BytesIO(raw))
    print("loaded")
except ValueError as e:
    print("refused", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024,
          round(time.perf_counter() - t0, 3), str(e)[:80])
"""


def test_a_2_gb_archive_bomb_is_refused_in_little_memory(tmp_path):
    # a member whose header honestly declares 2 GiB of zeros: 2 MB compressed
    raw = _saved(_sketch())
    path = tmp_path / "bomb.npz"
    src = zipfile.ZipFile(io.BytesIO(raw))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "data.npy":
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open("data.npy", "w", force_zip64=True) as m:
                m.write(_npy_header("<f8", (2**28,)))
                zeros = bytes(1 << 24)
                for _ in range(2**31 // len(zeros)):
                    m.write(zeros)
    assert path.stat().st_size < 5 << 20
    out = subprocess.run([sys.executable, "-c", BOMB, str(path)], capture_output=True,
                         text=True, timeout=300)
    words = out.stdout.split()
    assert words and words[0] == "refused", out.stdout + out.stderr
    assert int(words[1]) < 100, f"peak memory grew by {words[1]} MB"
