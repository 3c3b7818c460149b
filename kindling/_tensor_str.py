"""Printing tensors the way PyTorch does: ``tensor([1., 2.])``, ``tensor([1, 2], dtype=torch.int32)``.

The rules follow PyTorch's ``torch/_tensor_str.py``:

* One formatter per tensor (two for complex: real and imaginary parts) looks at every value
  that will be shown and picks a mode and a column width.  Floating tensors whose nonzero
  finite values are all whole numbers print in "int mode" (``1.``); otherwise with
  ``precision`` decimals; scientific notation (``1.0000e+08``) is used when the largest
  nonzero magnitude is over 1000 times the smallest, above 1e8, or (outside int mode)
  below 1e-4.  Every value is right-aligned to the common width.
* Rows wrap at ``linewidth``; nested dimensions are separated by ``dim - 1`` blank lines and
  indented under the opening bracket.
* Tensors with more than ``threshold`` elements are summarised: only ``edgeitems`` entries
  at each end of every dimension are shown, with ``...`` between.
* Suffixes (``device=``, ``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=``) follow the
  values, moving to a new line when they would cross ``linewidth``.

The work is done on the tensor's NumPy view directly, so printing never calls an op.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from . import _dtype
from ._aten._api import function

__all__ = ["set_printoptions", "get_printoptions", "printoptions"]


class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


@function("set_printoptions")
def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (``torch.set_printoptions``).

    ``profile`` (``"default"``, ``"short"``, ``"full"``) resets the four numeric options first;
    explicit arguments then override it.  ``sci_mode`` is always set: ``None`` means "choose
    automatically", ``True``/``False`` force scientific notation on or off.
    """
    if profile is not None:
        if profile in _PROFILES:
            (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
             PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


@function("get_printoptions")
def get_printoptions():
    """The current print options as a dict that ``set_printoptions(**d)`` accepts."""
    return {k: getattr(PRINT_OPTS, k) for k in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (restored on exit)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---- values as plain Python numbers -----------------------------------------------------------
def _kind(dt):
    """'f' (floating, printed via float64), 'c' (complex), 'b' (bool) or 'i' (integer)."""
    if dt.is_complex:
        return "c"
    if dt.is_floating_point:
        return "f"
    if dt is _dtype.bool:
        return "b"
    return "i"


def _as_printable(arr, kind):
    """``arr`` as a NumPy array whose ``tolist`` yields the Python numbers PyTorch's ``item`` gives.

    Every floating dtype kindling has (float8, float16, bfloat16, float32) converts to float64
    exactly, so formatting the float64 value is formatting the original value.
    """
    if kind == "f":
        return np.asarray(arr, dtype=np.float64)
    if kind == "c":
        return np.asarray(arr, dtype=np.complex128)
    if kind == "b":
        return np.asarray(arr, dtype=np.bool_)
    return arr


# ---- the formatter ----------------------------------------------------------------------------
class _Formatter:
    """Chooses the mode and width for every value of one (real) array."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        p = PRINT_OPTS.precision

        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return

        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            # Nothing but zeros and non-finite values: int mode, and the sci_mode option is
            # not consulted (PyTorch returns early here too).
            return
        mags = np.abs(vals)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        pylist = vals.tolist()
        if self.sci_mode:
            widths = (len(f"{v:.{p}e}") for v in pylist)
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in pylist)
        else:
            widths = (len(f"{v:.{p}f}") for v in pylist)
        self.max_width = max(self.max_width, max(widths))

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                s = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{p}f}"
        else:
            s = f"{value}"
        return " " * (self.max_width - len(s)) + s


def _join_complex(real_str, imag_str):
    imag_str = (imag_str + "j").lstrip()
    if imag_str[0] in "+-":
        return real_str + imag_str
    return real_str + "+" + imag_str


# ---- layout -----------------------------------------------------------------------------------
def _summarized(a):
    """Only the entries a summarised print shows (``edgeitems`` at each end of every dim)."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * e:
            return np.concatenate((a[:e], a[-e:]))
        return a
    if not e:
        return np.empty((0,) * a.ndim, dtype=a.dtype)
    if a.shape[0] > 2 * e:
        rows = [a[i] for i in range(e)] + [a[i] for i in range(a.shape[0] - e, a.shape[0])]
    else:
        rows = [a[i] for i in range(a.shape[0])]
    return np.stack([_summarized(r) for r in rows])


def _scalar_str(a, f1, f2):
    v = a.item()
    if f2 is not None:
        return _join_complex(f1.format(v.real), f2.format(v.imag))
    return f1.format(v)


def _vector_str(a, indent, summarize, f1, f2):
    element_length = f1.width() + 2
    if f2 is not None:
        element_length += f2.width() + 1
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))

    if f2 is not None:
        def fmt(v):
            return _join_complex(f1.format(v.real), f2.format(v.imag))
    else:
        fmt = f1.format

    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = ([fmt(v) for v in a[:e].tolist()] + [" ..."] +
                [fmt(v) for v in a[-e:].tolist()])
    else:
        data = [fmt(v) for v in a.tolist()]

    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a, indent, summarize, f1, f2):
    dim = a.ndim
    if dim == 0:
        return _scalar_str(a, f1, f2)
    if dim == 1:
        return _vector_str(a, indent, summarize, f1, f2)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        slices = ([_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(e)] +
                  ["..."] +
                  [_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(n - e, n)])
    else:
        slices = [_nested_str(a[i], indent + 1, summarize, f1, f2) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _values_str(t, indent):
    """The bracketed values of a CPU tensor with at least one element (conjugate/negative
    bits applied, as PyTorch resolves them before printing)."""
    from ._tensor import logical_values
    arr = logical_values(t)
    summarize = t.numel() > PRINT_OPTS.threshold
    kind = _kind(t.dtype)
    a = _as_printable(arr, kind)
    if kind == "c":
        part = _summarized(a) if summarize else a
        f1 = _Formatter(part.real, True)
        f2 = _Formatter(part.imag, True)
    else:
        f1 = _Formatter(_summarized(a) if summarize else a, kind == "f")
        f2 = None
    return _nested_str(a, indent, summarize, f1, f2)


def _add_suffixes(tensor_str, suffixes, indent):
    out = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_line_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def _is_plain(t):
    from ._tensor import Tensor
    cls = type(t)
    return cls is Tensor or (cls.__name__ == "Parameter" and cls.__module__.startswith("kindling"))


_INVALID = object()

# Set by kindling.autograd: ``tangent_of(t)``, t's tangent at the open forward AD level (None
# when it has none), shown as ``tangent=`` (PyTorch prints the dual's primal and tangent).
tangent_of = None


def _grad_fn_name(grad_fn):
    name = getattr(grad_fn, "name", None)
    if callable(name):
        try:
            n = name()
        except Exception:  # noqa: BLE001  (a node without a usable name(): use its class)
            n = None
        if isinstance(n, str) and n:
            return n.rsplit("::", 1)[-1]
    return type(grad_fn).__name__


def _str(self, *, tensor_contents=None):
    """``repr(tensor)``: PyTorch's text, including the suffixes."""
    plain = _is_plain(self)
    prefix = "tensor(" if plain else f"{type(self).__name__}("
    indent = len(prefix)
    suffixes = []
    custom = tensor_contents is not None
    tensor_str = tensor_contents if custom else None

    dev = self.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")

    dt = self.dtype
    default = _dtype.get_default_dtype()
    has_default_dtype = dt in (default, _dtype.default_complex_dtype(), _dtype.int64,
                               _dtype.bool)
    shape_str = str(tuple(self.shape))
    if self._np is None and (self.is_meta or not custom):  # a wrapper subclass with contents
        suffixes.append("size=" + shape_str)
        if dt is not default:
            suffixes.append(f"dtype={dt}")
        if not custom:
            tensor_str = "..."
    elif self.numel() == 0:
        if self.dim() != 1:
            suffixes.append("size=" + shape_str)
        if dt is not default:
            suffixes.append(f"dtype={dt}")
        if not custom:
            tensor_str = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + shape_str)
        if not has_default_dtype:
            suffixes.append(f"dtype={dt}")
        if not custom:
            tensor_str = _values_str(self, indent)

    try:
        grad_fn = getattr(self, "grad_fn", None)
    except RuntimeError:
        # a view made in no_grad or inference mode and modified in place since: its grad_fn
        # cannot be regenerated (pytorch/pytorch#99968)
        grad_fn = _INVALID
    if grad_fn is _INVALID:
        suffixes.append("grad_fn=<Invalid>")
    elif grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(grad_fn)}>")
    elif self.requires_grad:
        suffixes.append("requires_grad=True")

    tangent = tangent_of(self) if tangent_of is not None else None
    if tangent is not None:
        suffixes.append(f"tangent={tangent}")

    out = _add_suffixes(prefix + tensor_str, suffixes, indent)
    if not plain and type(self).__name__ == "Parameter":
        out = f"Parameter({out})"
    return out
