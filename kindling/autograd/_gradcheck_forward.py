"""gradcheck's ``check_forward_ad`` part, as torch/autograd/gradcheck.py does it.

Every input that requires grad becomes a dual tensor (its primal detached, so the function
sees inputs that do not require grad) with a zero tangent; the Jacobian is read one input
element at a time by setting that element of the tangent to 1 (``fast_mode``: the tangent is a
random unit vector ``u`` and ``J u`` is compared).  Complex inputs are checked through their
real and imaginary parts, each as a real input, the other part held constant.  With
``check_undefined_grad`` the tangents the function computes for an input given a zero tangent
and given none must agree.
"""
from __future__ import annotations

import sys

import numpy as np

from .._tensor import Tensor
from . import forward_ad as fwAD

FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()


def _gc():
    # (the gradcheck module: ``autograd.gradcheck`` is the function of that name)
    return sys.modules[__package__ + ".gradcheck"]


def _is_float_or_complex(o):
    return isinstance(o, Tensor) and (o.dtype.is_floating_point or o.dtype.is_complex)


def check_forward_ad(func, inputs, *, eps, atol, rtol, fast_mode, check_undefined_grad,
                     check_grad_dtypes):
    """Raise GradcheckError unless forward-mode AD agrees with finite differences."""
    complex_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and
                   x.dtype.is_complex]
    check = _fast_check if fast_mode else _slow_check
    if not complex_idx:
        check(func, inputs, eps, atol, rtol, None, False, check_grad_dtypes)
        if check_undefined_grad:
            _test_undefined_forward_mode(func, inputs)
        return True
    real_fn, imag_fn = _real_and_imag_input(func, complex_idx, inputs)
    imag_inputs = tuple(x.imag if i in complex_idx else x for i, x in enumerate(inputs))
    check(imag_fn, imag_inputs, eps, atol, rtol, complex_idx, True, check_grad_dtypes)
    real_inputs = tuple(x.real if i in complex_idx else x for i, x in enumerate(inputs))
    check(real_fn, real_inputs, eps, atol, rtol, complex_idx, False, check_grad_dtypes)
    if check_undefined_grad:
        _test_undefined_forward_mode(imag_fn, imag_inputs)
        _test_undefined_forward_mode(real_fn, real_inputs)
    return True


def _real_and_imag_input(fn, complex_idx, inputs):
    """Functions of real inputs standing for the complex ones: ``x -> fn(x + imag * 1j)`` and
    ``y -> fn(real + y * 1j)`` (the other part taken from the original input)."""
    def make(part):
        def wrapped(*args):
            new = list(args)
            for i in complex_idx:
                new[i] = part(new[i], inputs[i])
            return _gc()._as_tuple(fn(*new))
        return wrapped
    return (make(lambda inp, orig: inp + orig.imag * 1j),
            make(lambda inp, orig: orig.real + inp * 1j))


def _message(a, n, out_idx, in_idx, complex_idx, test_imag):
    prefix = ""
    if complex_idx and in_idx in complex_idx:
        part = "imaginary" if test_imag else "real"
        prefix = f"While considering the {part} part of complex inputs only, "
    tensor = _gc()._tensor
    return (f"{prefix}Jacobian computed with forward mode mismatch for output {out_idx} with "
            f"respect to input {in_idx},\nnumerical:{tensor(n)}\nanalytical:{tensor(a)}\n")


def _diff_outputs(fn, inputs):
    """The outputs that require grad (those gradcheck compares), as indices into the float
    outputs."""
    outs = [o for o in _gc()._as_tuple(fn(*inputs)) if _is_float_or_complex(o)]
    return [k for k, o in enumerate(outs) if o.requires_grad]


def _check_no_differentiable_outputs(fn, inputs, eps):
    for cols in _gc()._numerical_jacobian(fn, inputs, eps):
        for j in cols:
            if np.any(j != 0):
                raise _gc().GradcheckError("Numerical gradient for function expected to be zero")
    return True


def _slow_check(fn, inputs, eps, atol, rtol, complex_idx, test_imag, check_grad_dtypes):
    keep = _diff_outputs(fn, inputs)
    if not keep:
        return _check_no_differentiable_outputs(fn, inputs, eps)
    numerical = _gc()._numerical_jacobian(fn, inputs, eps)
    analytical = forward_jacobian(fn, inputs, check_grad_dtypes=check_grad_dtypes)
    for i, k in enumerate(keep):
        for j in range(len(analytical)):
            a, n = analytical[j][k], numerical[j][k]
            if not _allclose(a, n, rtol, atol):
                raise _gc().GradcheckError(_message(a, n, i, j, complex_idx, test_imag))
    return True


def _allclose(a, n, rtol, atol):
    return a.shape == n.shape and bool(np.allclose(a, n, rtol=rtol, atol=atol))


def _dual_inputs(inputs):
    """The inputs with every one that requires grad made dual (zero tangent), and those
    tangents (read back: a differentiable view's may not be the one given)."""
    from .._aten._ops_registry import aten
    tangents, duals = [], []
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad:
            x = fwAD.make_dual(x.detach(), aten.zeros_like.default(x))
            tangents.append(fwAD.unpack_dual(x).tangent)
        duals.append(x)
    return duals, tangents


def _tangent_columns(fn, duals, check_grad_dtypes):
    """The float outputs' tangents, flattened (zeros for an output without one)."""
    cols = []
    for o in _gc()._as_tuple(fn(*duals)):
        if not _is_float_or_complex(o):
            continue
        val, res = fwAD.unpack_dual(o)
        if check_grad_dtypes and res is not None and \
                val.dtype.is_complex != res.dtype.is_complex:
            raise _gc().GradcheckError("Forward AD gradient has dtype mismatch.")
        if res is None:
            cols.append(np.zeros(o.numel(), dtype=np.complex128 if o.dtype.is_complex
                                 else np.float64))
        else:
            cols.append(np.asarray(res.detach()._np).reshape(-1).copy())
    return cols


def forward_jacobian(fn, inputs, *, all_u=None, check_grad_dtypes=False):
    """Per input that requires grad, per float output: the (numel_in, numel_out) Jacobian from
    forward AD (with ``all_u``: one row, ``J u``, per input)."""
    jac = []
    with fwAD.dual_level():
        duals, tangents = _dual_inputs(inputs)
        for i, g in enumerate(tangents):
            a = g._np
            rows = []
            if all_u is not None:
                a[...] = np.asarray(all_u[i]).reshape(a.shape)
                rows.append(_tangent_columns(fn, duals, check_grad_dtypes))
                a[...] = 0
            else:
                for j in range(g.numel()):
                    idx = np.unravel_index(j, a.shape) if a.ndim else ()
                    a[idx] = 1
                    rows.append(_tangent_columns(fn, duals, check_grad_dtypes))
                    a[idx] = 0
            if rows:
                jac.append([np.stack([r[k] for r in rows]) for k in range(len(rows[0]))])
            else:  # (an input without elements)
                jac.append([np.zeros((0, o.numel())) for o in _gc()._as_tuple(fn(*duals))
                            if _is_float_or_complex(o)])
    return jac


def _unit_vector(x, rng):
    v = rng.uniform(0, 1, size=tuple(x._size))
    norm = np.sqrt(np.sum(v * v))
    return v / norm if norm else v


def _fast_check(fn, inputs, eps, atol, rtol, complex_idx, test_imag, check_grad_dtypes):
    gc = _gc()
    keep = _diff_outputs(fn, inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    rng = np.random.default_rng(0)
    all_u = [_unit_vector(inputs[i], rng) for i in diff]
    if not keep:
        for i, u in zip(diff, all_u):
            for jv in _numerical_jvp(fn, inputs, inputs[i], u, eps):
                if jv.size and np.max(np.abs(jv)) > 0:
                    raise gc.GradcheckError("Numerical gradient for function expected to be "
                                            "zero")
        return True
    analytical = forward_jacobian(fn, inputs, all_u=all_u, check_grad_dtypes=check_grad_dtypes)
    for j, (i, u) in enumerate(zip(diff, all_u)):
        numerical = _numerical_jvp(fn, inputs, inputs[i], u, eps)
        for out_i, k in enumerate(keep):
            a, n = analytical[j][k][0], numerical[k]
            if not _allclose(a, n, rtol, atol * float(np.sum(u))):
                raise gc.GradcheckError(_message(a, n, out_i, j, complex_idx, test_imag) +
                                        _slow_mode_report(fn, inputs, i, k, rtol, atol, eps))
    return True


def _numerical_jvp(fn, inputs, x, u, eps):
    """Central differences of the float outputs along ``u`` (flattened, one per output)."""
    gc = _gc()
    a = x._np
    orig = a.copy()
    try:
        a[...] = orig - eps * u
        minus = gc._values([o for o in gc._as_tuple(fn(*inputs)) if _is_float_or_complex(o)])
        a[...] = orig + eps * u
        plus = gc._values([o for o in gc._as_tuple(fn(*inputs)) if _is_float_or_complex(o)])
    finally:
        a[...] = orig
    return [((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)]


def _slow_mode_report(fn, inputs, in_pos, out_k, rtol, atol, eps):
    """What fast mode adds to its failure message: the same Jacobian in slow mode."""
    gc = _gc()
    only = [v if i == in_pos else (v.detach() if isinstance(v, Tensor) else v)
            for i, v in enumerate(inputs)]
    j = sum(1 for v in inputs[:in_pos] if isinstance(v, Tensor) and v.requires_grad)
    num = gc._numerical_jacobian(fn, inputs, eps)[j][out_k]
    ana = forward_jacobian(fn, only)[0][out_k]
    diff = float(np.max(np.abs(num - ana))) if num.size else 0.0
    msg = ("\nThe above quantities relating the numerical and analytical jacobians are "
           "computed \nin fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for "
           "more background \nabout fast mode. Below, we recompute numerical and analytical "
           "jacobians in slow mode:\n\n"
           f"Numerical:\n {gc._tensor(num)}\nAnalytical:\n{gc._tensor(ana)}\n\n"
           f"The max per-element difference (slow mode) is: {diff}.\n")
    if num.shape == ana.shape and np.allclose(ana, num, rtol=rtol, atol=atol):
        msg += FAST_FAIL_SLOW_OK_MSG
    return msg


def _test_undefined_forward_mode(fn, inputs):
    """A zero tangent and no tangent for an input must give the same output tangents."""
    from .._aten._ops_registry import aten
    gc = _gc()
    rng = np.random.default_rng(0)
    with fwAD.dual_level():
        duals, tangents = _dual_inputs(inputs)
        for g in tangents:
            g._np[...] = _unit_vector(g, rng)
        for idx, inp in enumerate(inputs):
            if not (isinstance(inp, Tensor) and inp.requires_grad):
                continue
            kept = duals[idx]
            duals[idx] = fwAD.make_dual(inp.detach(), aten.zeros_like.default(inp))
            outs1 = [o for o in gc._as_tuple(fn(*duals)) if _is_float_or_complex(o)]
            duals[idx] = inp.detach()
            outs2 = [o for o in gc._as_tuple(fn(*duals)) if _is_float_or_complex(o)]
            duals[idx] = kept
            for index_o, (o1, o2) in enumerate(zip(outs1, outs2)):
                res1, res2 = fwAD.unpack_dual(o1).tangent, fwAD.unpack_dual(o2).tangent
                if res1 is not None and res2 is not None and \
                        not bool(aten.allclose.default(res1, res2)):
                    raise gc.GradcheckError(
                        "Mismatch in tangent values for output with index: ", index_o,
                        " when input: ", inp, " has an undefined tangent value. ", " Got: ",
                        res1, " but expected: ", res2)
    return True
