"""The fuzz suite's child process: runs cases sent by ``test_fuzz.py``.

Protocol: each message is an 8-byte little-endian length and a pickle, on
stdin (``(target name, case)``) and on the original stdout (an outcome
dict). Whatever the library prints goes to /dev/null. A case that crashes
the interpreter ends this process; the parent sees EOF and reports it.
"""

import os
import pickle
import re
import struct
import sys
import tempfile
import traceback
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
proto = os.fdopen(os.dup(1), "wb")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
sys.stdout = open(os.devnull, "w")

import fuzz_targets as F  # noqa: E402


def names_argument(message, name):
    return re.search(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", message) is not None


def _accepted(t, X, aux, params):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                t.call(X, aux, params)
    except Exception:
        return False
    return True


def _finite(a):
    a = np.asarray(a)
    return a.dtype.kind in "biu" or (a.dtype.kind == "f" and bool(np.all(np.isfinite(a))))


def run_case(tname, case, tmpdir):
    t = F.TARGETS[tname]
    X, clean, c, corrupt = F.build(case, tmpdir)
    params = dict(t.params)
    bad = case.get("bad")
    if bad is not None:
        pname = sorted(params)[bad[0] % len(params)] if params else None
        if pname is not None:
            params[pname] = F.BAD_VALUES[bad[1]]
        bad = pname
    aux = F.aux_for(t, clean, c, case)
    before = F.fingerprint(X)
    aux_before = {k: F.fingerprint(v) for k, v in aux.items()}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                out = t.call(X, aux, params)
    except (ValueError, TypeError) as e:
        msg = str(e)
        if F.fingerprint(X) != before:
            return {"outcome": "modified", "detail": f"rejected, but wrote its input: {msg}"}
        expected = [t.arg] + [k for k in aux if k[0] != "_"] + list(params) + list(t.names)
        if bad and _accepted(t, X, aux, dict(t.params)):
            expected = [bad]  # the data alone is accepted: the bad parameter is at fault
        if not any(names_argument(msg, n) for n in expected):
            return {"outcome": "unnamed",
                    "detail": f"{type(e).__name__} naming none of {expected}: {msg}"}
        return {"outcome": "rejected", "detail": f"{type(e).__name__}: {msg}"}
    except Exception as e:  # any other exception type is a failure
        return {"outcome": "bad-error",
                "detail": f"{type(e).__name__}: {e}\n{traceback.format_exc()[-1500:]}"}
    if F.fingerprint(X) != before or any(F.fingerprint(aux[k]) != v
                                         for k, v in aux_before.items()):
        return {"outcome": "modified", "detail": "the call wrote the caller's input"}
    view = t.view(out) if t.view is not None else np.asarray(out)
    view = np.asarray(view)
    if t.nan_ok:
        view = np.nan_to_num(view, nan=0.0)
    if not _finite(view):
        return {"outcome": "wrong", "detail": "accepted, with a non-finite result"}
    if corrupt:
        return {"outcome": "wrong",
                "detail": "accepted an invalid input (corrupt sparse structure, keys or file)"}
    return compare(t, case, clean, c, params, view)


def _comparable(t, case, clean):
    if case.get("bad") is not None or t.power is None or clean is None:
        return False
    if t.kind in ("keys", "file"):
        return True
    if case["special"] not in (None, "zero_row") or case["dtype"] in ("float16",):
        return False
    if t.kind == "tall" and (clean.shape[1] == 0 or
                             (t.min_rows and clean.shape[0] < t.min_rows(clean.shape[1]))):
        return False
    if t.kind in ("psd", "orth", "obs") and min(clean.shape) < 3:
        return False
    if case["dtype"] == "float32" and (t.approx32 or t.discrete):
        return False
    if case["dtype"] in ("int64", "int8", "uint8", "bool") and t.kind in ("orth", "obs",
                                                                          "tensor"):
        return False  # rounding to integers destroys the planted structure
    return True


def compare(t, case, clean, c, params, view):
    if not _comparable(t, case, clean):
        return {"outcome": "ok", "detail": "accepted (not compared)"}
    aux = F.aux_for(t, clean, 1.0, case)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = t.call(np.ascontiguousarray(clean) if isinstance(clean, np.ndarray)
                         else clean, aux, params)
    except (ValueError, TypeError):
        return {"outcome": "ok", "detail": "accepted; the clean form is rejected"}
    ref = np.asarray(t.view(ref) if t.view is not None else ref, dtype=np.float64)
    scale = c ** t.power
    with np.errstate(all="ignore"):
        back = np.asarray(view, dtype=np.float64) / scale
        if not np.all(np.isfinite(ref * scale)) or not np.all(np.isfinite(back)):
            return {"outcome": "ok", "detail": "the scaled answer is not representable"}
    if back.shape != ref.shape:
        return {"outcome": "wrong", "detail": f"shape {back.shape}, clean input gives {ref.shape}"}
    if t.discrete:
        ok = np.array_equal(back, ref)
    else:
        rtol = t.rtol if case["dtype"] != "float32" else 1e-2
        den = max(float(np.max(np.abs(ref))) if ref.size else 0.0,
                  t.unit(clean) if t.unit is not None else 0.0, 1e-300)
        err = float(np.max(np.abs(back - ref))) / den if ref.size else 0.0
        ok = err <= rtol
    if not ok:
        return {"outcome": "wrong",
                "detail": f"differs from the clean dense float64 call at scale 1 "
                          f"(max rel. diff {err if not t.discrete else 'indices'})"}
    return {"outcome": "ok", "count": "matched", "detail": "matches the clean call"}


def main():
    stdin = sys.stdin.buffer
    with tempfile.TemporaryDirectory() as tmpdir:
        while True:
            head = stdin.read(8)
            if len(head) < 8:
                return
            tname, case = pickle.loads(stdin.read(struct.unpack("<Q", head)[0]))
            try:
                result = run_case(tname, case, tmpdir)
            except Exception as e:  # a failure of the harness itself
                result = {"outcome": "harness", "detail": traceback.format_exc()[-2000:]}
                del e
            data = pickle.dumps(result)
            proto.write(struct.pack("<Q", len(data)) + data)
            proto.flush()


if __name__ == "__main__":
    main()
