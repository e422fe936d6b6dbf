"""Array helpers on ids and timestamps shared by the loader and the analyses: Arrow hash
lookups of ids, epoch nanoseconds, distinct rows."""
from __future__ import annotations

import numpy as np
import pandas as pd


def positions(keys, index) -> np.ndarray:
    """Position of each key in ``index`` (-1 when absent), through pyarrow's hash lookup on the ids
    as text (4–25× faster than ``Index.get_indexer`` on millions of string ids)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def arrow(values) -> "pa.Array":
        ser = pd.Series(values)
        if not isinstance(ser.dtype, pd.StringDtype):
            ser = ser.astype("str")
        return pa.array(ser).cast(pa.large_string())

    pos = pc.index_in(arrow(keys), value_set=arrow(index))
    return pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def align(keys: pd.Series, by_key: pd.Series) -> pd.Series:
    """``by_key`` (a Series indexed by id) looked up for each of ``keys`` (missing where absent), on
    the index of ``keys``: ``by_key.reindex(keys).set_axis(keys.index)`` with an Arrow hash lookup."""
    pos = positions(keys, by_key.index)
    values = pd.api.extensions.take(by_key.array, pos, allow_fill=True)
    return pd.Series(values, index=keys.index, name=by_key.name)


def isin(keys, values) -> np.ndarray:
    """Boolean mask: each key occurs among ``values`` (ids as text, Arrow hash lookup; missing keys
    are False). ``Series.isin`` on Arrow strings walks the values in Python, slow on millions."""
    return positions(keys, values) >= 0


def row_patterns(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the 2-D array ``A`` (sorted) and, for every row, the index of its pattern.
    Rows of 0/1 values (rule indicators, up to 62 columns) are packed into one integer each, so this
    is two matrix–vector products and a sort of n numbers instead of a row-wise sort."""
    A = np.asarray(A)
    n, p = A.shape
    if p == 0:
        return np.zeros((1, 0), dtype=A.dtype), np.zeros(n, dtype=np.int64)
    if p <= 62 and n and ((A == 0) | (A == 1)).all():
        F = A.astype(float, copy=False)
        lo = (F[:, :31] @ (2.0 ** np.arange(min(p, 31)))).astype(np.int64)  # < 2**31: exact in float
        hi = (F[:, 31:] @ (2.0 ** np.arange(max(p - 31, 0)))).astype(np.int64) if p > 31 else 0
        codes = lo | (hi << 31)
        _, first, inv = np.unique(codes, return_index=True, return_inverse=True)
        return A[first], inv.reshape(-1)
    uniq, inv = np.unique(A, axis=0, return_inverse=True)
    return uniq, inv.reshape(-1)


#: int64 value of NaT in :func:`epoch_ns` (numpy's iNaT)
NAT_NS = np.iinfo(np.int64).min
#: rows per slice of element-wise passes over millions of values: temporaries stay small and are reused
SLICE_ROWS = 1 << 20


def epoch_ns(values) -> np.ndarray:
    """Timestamps (Series or array) as int64 nanoseconds since the epoch (UTC for tz-aware values;
    NaT → :data:`NAT_NS`)."""
    return pd.DatetimeIndex(values).as_unit("ns").asi8
