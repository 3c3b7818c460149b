"""``gradcheck`` / ``gradgradcheck``: analytical gradients against finite differences.

The numerical Jacobian perturbs each input element by ``±eps`` (central differences, so use
float64/complex128 inputs); the analytical one comes from backward passes (one per output
element), or, with ``check_forward_ad``, from forward-mode jvps.  ``fast_mode`` compares random
projections ``v^T J u`` instead of whole Jacobians (PyTorch's fast gradcheck).

Complex numbers follow PyTorch's gradcheck: a function with complex outputs is checked twice,
on the real parts of its outputs and on their imaginary parts (backward mode gives the
conjugate Wirtinger derivative of a real-valued function); a complex input's numerical
derivative is ``ds/dx + i ds/dy`` from perturbing its real and imaginary parts.  Forward mode
splits complex inputs instead, checking the function of their real parts and of their
imaginary parts.  Failures name the part that failed ("While considering the imaginary part
of complex outputs only, ...").
"""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when gradients disagree."""


# ---- helpers ---------------------------------------------------------------------------------
def _as_tuple(x):
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _is_float_or_complex(o):
    return isinstance(o, Tensor) and (o.dtype.is_floating_point or o.dtype.is_complex)


def _differentiable_outputs(x):
    """The outputs that require grad (the ones whose Jacobians are checked)."""
    return tuple(o for o in _as_tuple(x) if isinstance(o, Tensor) and o.requires_grad)


def _diff_inputs(inputs):
    return [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _arr(t):
    """A tensor's values as an ndarray (conjugate and negative views resolved)."""
    t = t.detach().resolve_conj().resolve_neg()
    if t._np is None:  # a wrapper subclass (LoggingTensor...): its data reached through its ops
        from .._aten._ops_registry import aten
        from .grad_mode import no_grad
        plain = aten.empty.memory_format(list(t.shape), dtype=t.dtype)
        with no_grad():
            aten.copy_.default(plain, t)
        return plain._np
    return np.asarray(t._np)


def _set_values(x, arr):
    """Writes ``arr`` into ``x`` through its ops (for a wrapper subclass: it has no buffer);
    through ``x.data``, as PyTorch's gradcheck perturbs, so ``x``'s version stays."""
    from .._aten._ops_registry import aten
    from .grad_mode import no_grad
    src = aten.empty.memory_format(list(x.shape), dtype=x.dtype)
    src._np[...] = arr
    with no_grad():
        aten.copy_.default(x.data, src)


def _values(outs):
    """Copies of the float/complex outputs' values (float64 or complex128)."""
    vals = []
    for o in outs:
        if _is_float_or_complex(o):
            a = _arr(o)
            vals.append(np.array(a, dtype=np.complex128 if np.iscomplexobj(a) else np.float64,
                                 copy=True).reshape(-1))
    return vals


def _tensor(arr, dtype=None):
    """A kindling tensor of an ndarray's values (in ``dtype``), for messages and results."""
    from .._tensor import from_array
    arr = np.array(arr, dtype=np.float64 if np.isrealobj(arr) else np.complex128, order="C",
                   copy=True)
    t = from_array(arr)
    return t.to(dtype) if dtype is not None and t.dtype is not dtype else t


def _real_dtype(dt):
    return dt.to_real() if dt.is_complex else dt


def _check_outputs_same_dtype_and_shape(first, second, eps, idx=None):
    """PyTorch's check that perturbing an input changes neither outputs' shapes nor dtypes
    (``first``/``second``: (shape, dtype) of the outputs at -eps and +eps)."""
    on_index = f"on index {idx} " if idx is not None else ""
    for (s1, d1), (s2, d2) in zip(first, second):
        if s1 != s2:
            raise AssertionError(f"Expected `func` to return outputs with the same shape when "
                                 f"inputs are perturbed {on_index}by {eps}, but got: shapes "
                                 f"{s1} and {s2}.")
        if d1 != d2:
            raise AssertionError(f"Expected `func` to return outputs with the same dtype when "
                                 f"inputs are perturbed {on_index}by {eps}, but got: dtypes "
                                 f"{d1} and {d2}.")


def _meta(outs):
    return [(o.shape, o.dtype) for o in outs if _is_float_or_complex(o)]


# ---- numerical derivatives --------------------------------------------------------------------
def _central_difference(func, inputs, x, where, delta, norm, idx=None):
    """``(f(x + delta) - f(x - delta)) / (2 norm)`` for each float/complex output, flattened;
    ``where`` selects the perturbed elements of ``x`` (an index, or ``...``)."""
    a = x._np
    write_back = None
    if a is None:  # a wrapper subclass: perturb a copy of its values and write it in
        a = np.array(_arr(x), copy=True)
        write_back = _set_values
    orig = np.array(a[where], copy=True)
    try:
        a[where] = orig - delta
        if write_back:
            write_back(x, a)
        minus_outs = _as_tuple(func(*inputs))
        minus = _values(minus_outs)
        a[where] = orig + delta
        if write_back:
            write_back(x, a)
        plus_outs = _as_tuple(func(*inputs))
        plus = _values(plus_outs)
    finally:
        a[where] = orig
        if write_back:
            write_back(x, a)
    _check_outputs_same_dtype_and_shape(_meta(minus_outs), _meta(plus_outs), norm, idx)
    return [(p - m) / (2 * norm) for p, m in zip(plus, minus)]


def _numerical_jvps(jvp, is_complex, is_forward_ad):
    """A directional derivative per output; for a complex input ``ds/dx + i ds/dy`` (the
    conjugate Wirtinger derivative, times 2, of a real output)."""
    ds_dx = jvp(False)
    if not is_complex:
        for d in ds_dx:
            if not is_forward_ad and np.iscomplexobj(d):
                raise AssertionError("Expected ds_dx to be real-valued, not complex.")
        return ds_dx
    ds_dy = jvp(True)
    out = []
    for dx, dy in zip(ds_dx, ds_dy):
        if np.iscomplexobj(dx):
            raise AssertionError("Expected ds_dx to be real-valued, not complex")
        out.append(dx + dy * 1j)
    return out


def _numerical_jacobian(func, inputs, eps, is_forward_ad=False, targets=None):
    """Per differentiable input (or tensor of ``targets``, perturbed in place: it need not be
    an input), per float/complex output: a (numel_in, numel_out) array."""
    result = []
    if targets is None:
        targets = [inputs[i] for i in _diff_inputs(inputs)]
    for x in targets:
        cx = x.dtype.is_complex
        n = x.numel()
        cols = [None] * n
        for j in range(n):
            where = np.unravel_index(j, tuple(x._size)) if x.dim() else ()
            idx = tuple(int(k) for k in where)
            cols[j] = _numerical_jvps(
                lambda imag: _central_difference(func, inputs, x, where,
                                                 eps * 1j if imag else eps, eps, idx),
                cx, is_forward_ad)
        outs = [o for o in _as_tuple(func(*inputs)) if _is_float_or_complex(o)]
        jacs = []
        for k, o in enumerate(outs):
            dt = np.complex128 if cx or o.dtype.is_complex else np.float64
            jac = np.zeros((n, o.numel()), dtype=dt)
            for j in range(n):
                jac[j] = cols[j][k]
            jacs.append(jac)
        result.append(jacs)
    return result


# ---- analytical derivatives -------------------------------------------------------------------
def _vjps(output, diff_inputs, grad_output):
    from . import grad as _grad
    return _grad([output], diff_inputs, [grad_output], retain_graph=True, allow_unused=True)


def _stack_rows(rows, diff_inputs, numel_out):
    """Jacobians (numel_in, numel_out) of each input from per-output-element gradients, and
    whether every gradient had its input's size and dtype."""
    sizes_ok = types_ok = True
    jacs = []
    for a, x in enumerate(diff_inputs):
        jac = np.zeros((x.numel(), numel_out),
                       dtype=np.complex128 if x.dtype.is_complex else np.float64)
        for m, g in enumerate(rows[a]):
            if g is None:
                continue
            if tuple(g._size) != tuple(x._size):
                sizes_ok = False
                continue
            if g.dtype is not x.dtype:
                types_ok = False
            jac[:, m] = _arr(g).reshape(-1)
        jacs.append(jac)
    return jacs, sizes_ok, types_ok


def _analytical_rows(output, diff_inputs, vectors):
    """The gradients of ``output`` for each grad_output in ``vectors``, per input."""
    rows = [[] for _ in diff_inputs]
    for go in vectors:
        for a, g in enumerate(_vjps(output, diff_inputs, go)):
            rows[a].append(g)
    return rows


def _unit_grad_outputs(output):
    n = output.numel()
    for m in range(n):
        e = np.zeros(n, dtype=np.float64)
        e[m] = 1.0
        yield _tensor(e.reshape(tuple(output._size)), output.dtype)


def _analytical_jacobian(inputs, output, nondet_tol, check_grad_dtypes, vectors=None):
    """Per differentiable input: the rows of ``output``'s Jacobian (or, with ``vectors``, the
    vector-Jacobian products), computed twice: both passes must agree (reentrancy)."""
    diff = [inputs[i] for i in _diff_inputs(inputs)]
    vecs = list(vectors if vectors is not None else _unit_grad_outputs(output))
    first = _analytical_rows(output, diff, vecs)
    second = _analytical_rows(output, diff, vecs)
    jacs, sizes_ok, types_ok = _stack_rows(first, diff, len(vecs))
    again, _, _ = _stack_rows(second, diff, len(vecs))
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not all(_reentrant(a, b, nondet_tol) for a, b in zip(jacs, again)):
        raise GradcheckError(_not_reentrant(nondet_tol))
    return jacs


def _forward_jacobian(func, inputs, all_u=None, check_grad_dtypes=False):
    """Per differentiable (real) input, per float/complex output: the Jacobian from forward
    mode, one tangent per input element (or, with ``all_u``, ``J u`` as a (1, numel) row)."""
    from . import forward_ad as fwAD
    from .._aten._ops_registry import aten
    di = _diff_inputs(inputs)
    if any(inputs[i].dtype.is_complex for i in di):
        raise ValueError("Expected inputs to be non-complex for "
                         "_get_analytical_jacobian_forward_ad.")
    result = []
    with fwAD.dual_level():
        duals = list(inputs)
        tangents = {}
        for i in di:
            duals[i] = fwAD.make_dual(inputs[i].detach(), aten.zeros_like.default(inputs[i]))
            tangents[i] = fwAD.unpack_dual(duals[i]).tangent
        for a, i in enumerate(di):
            t = tangents[i]
            directions = [all_u[a]] if all_u is not None else [
                np.eye(1, t.numel(), j).reshape(-1) for j in range(t.numel())]
            cols = None
            for j, d in enumerate(directions):
                t._np[...] = np.asarray(d).reshape(tuple(t._size))
                outs = [o for o in _as_tuple(func(*duals)) if _is_float_or_complex(o)]
                if cols is None:
                    cols = [np.zeros((len(directions), o.numel()),
                                     dtype=np.complex128 if o.dtype.is_complex else np.float64)
                            for o in outs]
                for k, o in enumerate(outs):
                    val, res = fwAD.unpack_dual(o)
                    if check_grad_dtypes and res is not None and \
                            val.dtype.is_complex != res.dtype.is_complex:
                        raise GradcheckError("Forward AD gradient has dtype mismatch.")
                    if res is not None:
                        cols[k][j] = _arr(res).reshape(-1)
            t._np[...] = 0
            if cols is None:  # (an input without elements: no rows)
                cols = [np.zeros((0, o.numel())) for o in _as_tuple(func(*duals))
                        if _is_float_or_complex(o)]
            result.append(cols)
    return result


# ---- messages ---------------------------------------------------------------------------------
def _notallclose_msg(analytical, numerical, output_idx, input_idx, complex_indices,
                     test_imag=False, is_forward_ad=False):
    out_is_complex = not is_forward_ad and complex_indices and output_idx in complex_indices
    inp_is_complex = is_forward_ad and complex_indices and input_idx in complex_indices
    part = "imaginary" if test_imag else "real"
    element = "inputs" if is_forward_ad else "outputs"
    prefix = f"While considering the {part} part of complex {element} only, " \
        if out_is_complex or inp_is_complex else ""
    mode = "computed with forward mode " if is_forward_ad else ""
    return (f"{prefix}Jacobian {mode}mismatch for output {output_idx:d} with respect to input "
            f"{input_idx:d},\nnumerical:{numerical}\nanalytical:{analytical}\n")


# (PyTorch's text, which users match)
FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""

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


def _not_reentrant(nondet_tol):
    return ("Backward is not reentrant, i.e., running backward with same input and grad_output "
            "multiple times gives different values, although analytical gradient matches "
            f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}." +
            FAILED_NONDET_MSG)


def _reentrant(first, second, nondet_tol):
    """Whether two backward passes' results agree within ``nondet_tol``."""
    a, b = np.asarray(first), np.asarray(second)
    return a.size == 0 or float(np.max(np.abs(a - b))) <= nondet_tol


def _allclose(a, n, rtol, atol):
    return bool(np.allclose(a, n, rtol=rtol, atol=atol))


# ---- slow mode --------------------------------------------------------------------------------
def _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol, *, use_forward_ad=False, complex_indices=None,
                    test_imag=False):
    func_out = _as_tuple(func_out)
    if not outputs:
        return _check_no_differentiable_outputs(func, inputs, eps, use_forward_ad)
    numerical = _numerical_jacobian(func, inputs, eps, use_forward_ad)
    float_outs = [o for o in func_out if _is_float_or_complex(o)]
    keep = [k for k, o in enumerate(float_outs) if o.requires_grad]
    di = _diff_inputs(inputs)
    if use_forward_ad:
        analytical = _forward_jacobian(func, inputs, check_grad_dtypes=check_grad_dtypes)
        for k in keep:
            for j, i in enumerate(di):
                a, n = analytical[j][k], numerical[j][k]
                if not _allclose(a, n, rtol, atol):
                    raise GradcheckError(_notallclose_msg(
                        _jac_tensor(a, inputs[i], float_outs[k]), _jac_tensor(n, inputs[i],
                                                                              float_outs[k]),
                        k, j, complex_indices, test_imag, is_forward_ad=True))
        return True
    for k, o in enumerate(outputs):
        analytical = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes)
        for j, i in enumerate(di):
            a, n = analytical[j], numerical[j][keep[k]]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_notallclose_msg(
                    _tensor(a, inputs[i].dtype), _jac_tensor(n, inputs[i], o), k, j,
                    complex_indices, test_imag))
    return True


def _jac_tensor(arr, inp, out):
    """A Jacobian as PyTorch prints it: in the input's dtype when the input is complex, else
    in the output's."""
    return _tensor(arr, inp.dtype if inp.dtype.is_complex else out.dtype)


def _check_no_differentiable_outputs(func, inputs, eps, is_forward_ad):
    for jacs in _numerical_jacobian(func, inputs, eps, is_forward_ad):
        for jac in jacs:
            if np.any(jac != 0):
                raise GradcheckError("Numerical gradient for function expected to be zero")
    return True


# ---- fast mode --------------------------------------------------------------------------------
def _unit_vector(gen, n, dt):
    """``n`` values of ``rand`` from ``gen`` in ``dt``'s real dtype, divided by their norm."""
    from .. import rand
    real = np.float32 if dt.itemsize == 4 or dt._name == "complex64" else np.float64
    v = rand(n, generator=gen)._np.astype(real)
    norm = np.linalg.norm(v)
    return v / norm if norm else v


def _make_vectors(inputs, outputs, use_forward_ad):
    """``u`` per differentiable input (a pair (real, imag) for a complex one) and ``v`` per
    output (None in forward mode), random and of unit norm, drawn as PyTorch draws them: from
    a fresh generator (its default seed, the caller's RNG untouched), so a check passes or
    fails as it does in PyTorch."""
    from .._generator import Generator
    gen = Generator()
    all_u = []
    for i in _diff_inputs(inputs):
        x = inputs[i]
        ur = _unit_vector(gen, x.numel(), x.dtype)
        all_u.append((ur, _unit_vector(gen, x.numel(), x.dtype)) if x.dtype.is_complex else ur)
    all_v = None if use_forward_ad else [_unit_vector(gen, o.numel(), o.dtype) for o in outputs]
    return all_v, all_u


def _numerical_ju(func, inputs, i, u, eps, is_forward_ad):
    """``J u`` of every float/complex output for input ``i`` (perturbed along ``u``)."""
    x = inputs[i]
    shape = tuple(x._size)
    if isinstance(u, tuple):
        ur, ui = (np.asarray(p).reshape(shape) for p in u)
    else:
        ur = ui = np.asarray(u).reshape(shape)
    return _numerical_jvps(
        lambda imag: _central_difference(func, inputs, x, ..., ui * eps * 1j if imag
                                         else ur * eps, eps),
        x.dtype.is_complex, is_forward_ad)


def _adjusted_atol(atol, u, v):
    """``atol`` scaled for a comparison of ``v^T J u`` (PyTorch's _adjusted_atol)."""
    sum_v = 1.0 if v is None else float(np.sum(v))
    if isinstance(u, tuple):
        return atol * (float(np.sum(u[0])) + float(np.sum(u[1]))) * sum_v
    return atol * float(np.sum(u)) * sum_v


def _fast_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol, *, use_forward_ad=False, complex_indices=None,
                    test_imag=False):
    di = _diff_inputs(inputs)
    all_v, all_u = _make_vectors(inputs, outputs, use_forward_ad)
    func_out = _as_tuple(func_out)
    float_outs = [o for o in func_out if _is_float_or_complex(o)]
    keep = [k for k, o in enumerate(float_outs) if o.requires_grad]
    numerical = []  # per input: per output, v^T J u (backward) or J u (forward)
    for a, i in enumerate(di):
        ju = _numerical_ju(func, inputs, i, all_u[a], eps, use_forward_ad)
        if use_forward_ad:
            numerical.append(ju)
        else:
            numerical.append([np.sum(v * ju[k]) for v, k in zip(all_v, keep)])
    if use_forward_ad:
        flat_u = [u[0] if isinstance(u, tuple) else u for u in all_u]
        analytical = _forward_jacobian(func, inputs, all_u=flat_u,
                                       check_grad_dtypes=check_grad_dtypes)
        for a, i in enumerate(di):
            for k in keep:
                an, n = analytical[a][k].reshape(-1), numerical[a][k]
                if not _allclose(an, n, rtol, _adjusted_atol(atol, all_u[a], None)):
                    raise GradcheckError(_notallclose_msg(
                        _tensor(an), _tensor(n), k, a, complex_indices, test_imag, True) +
                        _slow_mode_error(func, inputs, a, k, rtol, atol, eps, True))
        return True
    if not outputs:
        for a, i in enumerate(di):
            for ju in _numerical_ju(func, inputs, i, all_u[a], eps, False):
                if ju.size and float(np.max(np.abs(ju))) > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
    for k, (o, v) in enumerate(zip(outputs, all_v)):
        vjs = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes,
                                   [_tensor(v.reshape(tuple(o._size)), o.dtype)])
        for a, i in enumerate(di):
            vj = vjs[a][:, 0]
            u = all_u[a]
            if np.iscomplexobj(vj):  # (a complex input: real and imaginary parts apart)
                an = np.dot(vj.real, u[0]) + 1j * np.dot(vj.imag, u[1])
            else:
                an = np.dot(vj, u)
            n = numerical[a][k]
            if not _allclose(an, n, rtol, _adjusted_atol(atol, u, v)):
                raise GradcheckError(_notallclose_msg(
                    _tensor(an), _tensor(n), k, a, complex_indices, test_imag) +
                    _slow_mode_error(func, inputs, a, k, rtol, atol, eps, False))
    return True


def _slow_mode_error(func, inputs, input_idx, output_idx, rtol, atol, eps, is_forward_ad):
    """The Jacobians of one input/output pair recomputed in slow mode, for the message."""
    numerical = _numerical_jacobian(func, inputs, eps, is_forward_ad)[input_idx][output_idx]
    inp = inputs[_diff_inputs(inputs)[input_idx]]
    out = [o for o in _as_tuple(func(*inputs)) if _is_float_or_complex(o)][output_idx]
    if is_forward_ad:
        analytical = _forward_jacobian(func, inputs)[input_idx][output_idx]
        shown = _jac_tensor(analytical, inp, out)
    else:
        outs = _differentiable_outputs(func(*inputs))
        analytical = _analytical_jacobian(inputs, outs[output_idx], float("inf"),
                                          False)[input_idx]
        shown = _tensor(analytical, inp.dtype)
    max_diff = float(np.max(np.abs(numerical - analytical))) if numerical.size else 0.0
    msg = ("\nThe above quantities relating the numerical and analytical jacobians are "
           "computed \nin fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for "
           "more background \nabout fast mode. Below, we recompute numerical and analytical "
           "jacobians in slow mode:\n\n"
           f"Numerical:\n {_jac_tensor(numerical, inp, out)}\n"
           f"Analytical:\n{shown}\n\n"
           f"The max per-element difference (slow mode) is: {_tensor(max_diff)}.\n")
    if _allclose(analytical, numerical, rtol, atol):
        msg += FAST_FAIL_SLOW_OK_MSG
    return msg


# ---- complex functions: real and imaginary parts ---------------------------------------------
def _real_and_imag_output(fn):
    """``fn`` with ``real`` (and with ``imag``) applied to its complex outputs."""
    from .._aten._ops_registry import aten

    def apply(part):
        def wrapped(*inputs):
            return tuple(part(o) if isinstance(o, Tensor) and o.dtype.is_complex else o
                         for o in _as_tuple(fn(*inputs)))
        return wrapped
    return apply(aten.real.default), apply(aten.imag.default)


def _real_and_imag_input(fn, complex_idx, inputs):
    """``fn`` of the real parts of its complex inputs (their imaginary parts fixed), and of
    their imaginary parts (the real parts fixed)."""
    def apply(rebuild):
        def wrapped(*args):
            new = list(args)
            for i in complex_idx:
                new[i] = rebuild(new[i], inputs[i])
            return _as_tuple(fn(*new))
        return wrapped
    return (apply(lambda inp, orig: inp + orig.imag * 1j),
            apply(lambda inp, orig: orig.real + inp * 1j))


def _gradcheck_real_imag(check, func, func_out, inputs, outputs, eps, rtol, atol,
                         check_grad_dtypes, check_forward_ad, check_backward_ad, nondet_tol,
                         check_undefined_grad):
    complex_out = [k for k, o in enumerate(outputs) if o.dtype.is_complex]
    if check_backward_ad:
        if any(isinstance(o, Tensor) and o.dtype.is_complex for o in _as_tuple(func_out)):
            real_fn, imag_fn = _real_and_imag_output(func)
            imag_out = imag_fn(*inputs)
            check(imag_fn, imag_out, inputs, _differentiable_outputs(imag_out), eps, rtol,
                  atol, check_grad_dtypes, nondet_tol, complex_indices=complex_out,
                  test_imag=True)
            real_out = real_fn(*inputs)
            check(real_fn, real_out, inputs, _differentiable_outputs(real_out), eps, rtol,
                  atol, check_grad_dtypes, nondet_tol, complex_indices=complex_out)
        else:
            check(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                  nondet_tol)
    if check_forward_ad:
        complex_in = [i for i, x in enumerate(inputs)
                      if isinstance(x, Tensor) and x.dtype.is_complex]
        if complex_in:
            real_fn, imag_fn = _real_and_imag_input(func, complex_in, inputs)
            for fn, part, imag in ((imag_fn, "imag", True), (real_fn, "real", False)):
                part_inputs = [getattr(x, part) if isinstance(x, Tensor) and x.dtype.is_complex
                               else x for x in inputs]
                out = fn(*part_inputs)
                check(fn, out, part_inputs, _differentiable_outputs(out), eps, rtol, atol,
                      check_grad_dtypes, nondet_tol, use_forward_ad=True,
                      complex_indices=complex_in, test_imag=imag)
                if check_undefined_grad:
                    _check_undefined_forward_grad(fn, part_inputs)
        else:
            check(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                  nondet_tol, use_forward_ad=True)
            if check_undefined_grad:
                _check_undefined_forward_grad(func, inputs)


# ---- gradcheck --------------------------------------------------------------------------------
def _check_inputs(inputs):
    any_requires_grad = False
    for idx, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            if x.dtype._name not in ("float64", "complex128"):
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating "
                    "point or complex. This check will likely fail if all the inputs are not of "
                    "double precision floating point or complex. ", stacklevel=3)
            if not all(st > 0 or sz <= 1 for st, sz in zip(x.stride(), x._size)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical "
                    "gradients correctly. You should call .contiguous on the input before "
                    "passing it to gradcheck.")
            any_requires_grad = True
    if not any_requires_grad:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")


def _refuse_batched_checks(check_batched_grad, check_batched_forward_grad):
    """PyTorch checks batched gradients by running the vector-Jacobian (or Jacobian-vector)
    product under ``vmap``; kindling has no ``vmap`` yet, so asking for those checks is an
    error rather than a check silently skipped."""
    for name, asked in (("check_batched_grad", check_batched_grad),
                        ("check_batched_forward_grad", check_batched_forward_grad)):
        if asked:
            raise NotImplementedError(
                f"gradcheck: {name}=True needs vmap (torch.func.vmap), which kindling does not "
                f"implement yet; pass {name}=False")


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` at ``inputs`` against finite differences (complex
    inputs and outputs as PyTorch checks them: see the module docstring)."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad "
                             "to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be "
                             "True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires "
                             "check_forward_ad to be True")
    _refuse_batched_checks(check_batched_grad, check_batched_forward_grad)
    if not raise_exception:
        try:
            return gradcheck(func, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=True,
                             nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                             check_grad_dtypes=check_grad_dtypes,
                             check_batched_grad=check_batched_grad,
                             check_batched_forward_grad=check_batched_forward_grad,
                             check_forward_ad=check_forward_ad,
                             check_backward_ad=check_backward_ad, fast_mode=fast_mode,
                             masked=masked)
        except GradcheckError:
            return False
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = func(*inputs)
    outputs = _differentiable_outputs(func_out)
    _gradcheck_real_imag(_fast_gradcheck if fast_mode else _slow_gradcheck, func, func_out,
                         inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                         check_forward_ad, check_backward_ad, nondet_tol, check_undefined_grad)
    if check_backward_ad and check_undefined_grad:
        _check_undefined_grad(func, inputs, outputs)
    return True


def _check_undefined_grad(func, inputs, outputs):
    """PyTorch's _test_undefined_backward_mode: backward must cope with undefined output
    gradients (all at once, then one at a time) and give undefined or zero input grads."""
    from . import grad as _grad
    from .._C._functions import UndefinedGrad
    from .._aten._ops_registry import aten
    diff_inputs = [inputs[i] for i in _diff_inputs(inputs)]

    def warn_bc_breaking():
        warnings.warn("Backwards compatibility: New undefined gradient support checking "
                      "feature is enabled by default, but it may break existing callers of "
                      "this function. If this is true for you, you can call this function "
                      'with "check_undefined_grad=False" to disable the feature', stacklevel=2)

    def check(outs):
        grads_output = [aten.zeros_like.default(o) for o in outs]
        try:
            grads_input = _grad(outs, diff_inputs, grads_output, allow_unused=True)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. Please look at "
                '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"'
            ) from e
        for gi in grads_input:
            if gi is not None and not bool(np.all(_arr(gi) == 0)):
                warn_bc_breaking()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads "
                    'are undefined or zero. Please look at "Notes about undefined output '
                    'gradients" in "tools/autograd/derivatives.yaml"')

    fresh = _differentiable_outputs(func(*inputs))
    if not fresh:
        return
    check([UndefinedGrad()(o) for o in fresh])
    if len(fresh) > 1:
        for k in range(len(outputs)):
            fresh = _differentiable_outputs(func(*inputs))
            check([UndefinedGrad()(o) if j == k else o for j, o in enumerate(fresh)])


def _check_undefined_forward_grad(func, inputs):
    """PyTorch's _test_undefined_forward_mode: an input without a tangent must give the same
    output tangents as one with a zero tangent."""
    from . import forward_ad as fwAD
    from .._aten._ops_registry import aten
    di = _diff_inputs(inputs)
    _, all_u = _make_vectors(inputs, (), True)
    with fwAD.dual_level():
        duals = list(inputs)
        for i, u in zip(di, all_u):
            u = (u[0] if isinstance(u, tuple) else u).reshape(tuple(inputs[i]._size))
            duals[i] = fwAD.make_dual(inputs[i].detach(), _tensor(u, inputs[i].dtype))
        for i in di:
            keep = duals[i]
            duals[i] = fwAD.make_dual(inputs[i].detach(), aten.zeros_like.default(inputs[i]))
            first = [o for o in _as_tuple(func(*duals)) if _is_float_or_complex(o)]
            duals[i] = inputs[i].detach()
            second = [o for o in _as_tuple(func(*duals)) if _is_float_or_complex(o)]
            duals[i] = keep
            for k, (o1, o2) in enumerate(zip(first, second)):
                r1, r2 = fwAD.unpack_dual(o1).tangent, fwAD.unpack_dual(o2).tangent
                if r1 is not None and r2 is not None and \
                        not np.allclose(_arr(r1), _arr(r2)):
                    raise GradcheckError(
                        f"Mismatch in tangent values for output with index: {k} when input: "
                        f"{inputs[i]} has an undefined tangent value.  Got: {r1} but "
                        f"expected: {r2}")


# ---- the deprecated public helpers ------------------------------------------------------------
def get_numerical_jacobian(fn, inputs, target=None, eps=1e-3, grad_out=1.0):
    """Deprecated (as in PyTorch): the finite-difference Jacobians of ``fn(inputs)``'s first
    output with respect to each input (or each of ``target``) that requires grad; ``fn``
    takes the inputs as one tuple."""
    warnings.warn("`get_numerical_jacobian` was part of PyTorch's private API and not meant "
                  "to be exposed. We are deprecating it and it will be removed in a future "
                  "version of PyTorch. If you have a specific use for this or feature request "
                  "for this to be a stable API, please file us an issue at "
                  "https://github.com/pytorch/pytorch/issues/new", FutureWarning, stacklevel=2)
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_numerical_jacobian no longer "
                         "supports values of grad_out != 1.0.")
    inputs = _as_tuple(inputs)

    def fn_pack(*args):
        return fn(args)
    outs = _as_tuple(fn_pack(*inputs))
    if any(isinstance(o, Tensor) and o.dtype.is_complex for o in outs):
        raise ValueError("Expected output to be non-complex. get_numerical_jacobian no "
                         "longer supports functions that return complex outputs.")
    targets = [t for t in (inputs if target is None else _as_tuple(target))
               if isinstance(t, Tensor) and t.requires_grad]
    jacs = _numerical_jacobian(fn_pack, inputs, eps, targets=targets)
    return tuple(_tensor(j[0], t.dtype) for j, t in zip(jacs, targets))


def get_analytical_jacobian(inputs, output, nondet_tol=0.0, grad_out=1.0):
    """Deprecated (as in PyTorch): ``(jacobians, reentrant, correct_grad_sizes,
    correct_grad_types)`` of ``output`` with respect to the inputs that require grad."""
    warnings.warn("`get_analytical_jacobian` was part of PyTorch's private API and not meant "
                  "to be exposed. We are deprecating it and it will be removed in a future "
                  "version of PyTorch. If you have a specific use for this or feature request "
                  "for this to be a stable API, please file us an issue at "
                  "https://github.com/pytorch/pytorch/issues/new", FutureWarning, stacklevel=2)
    if grad_out != 1.0:
        raise ValueError("Expected grad_out to be 1.0. get_analytical_jacobian no longer "
                         "supports values of grad_out != 1.0.")
    if output.dtype.is_complex:
        raise ValueError("Expected output to be non-complex. get_analytical_jacobian no "
                         "longer supports functions that return complex outputs.")
    inputs = _as_tuple(inputs)
    diff = [inputs[i] for i in _diff_inputs(inputs)]
    vecs = list(_unit_grad_outputs(output))
    jacs, sizes_ok, types_ok = _stack_rows(_analytical_rows(output, diff, vecs), diff,
                                           len(vecs))
    again, _, _ = _stack_rows(_analytical_rows(output, diff, vecs), diff, len(vecs))
    reentrant = all(_reentrant(a, b, nondet_tol) for a, b in zip(jacs, again))
    return (tuple(_tensor(j, x.dtype) for j, x in zip(jacs, diff)), reentrant, sizes_ok,
            types_ok)


# ---- gradgradcheck ----------------------------------------------------------------------------
def _random_grad_output(o, noncontiguous):
    """A grad_output as PyTorch's gradgradcheck makes it: ``make_tensor(low=-1, high=1)`` from
    the global generator, in the output's dtype (double for another one), requiring grad."""
    from .. import float64
    from ..testing import make_tensor
    dt = o.dtype if o.dtype.is_floating_point or o.dtype.is_complex else float64
    return make_tensor(tuple(o._size), dtype=dt, device=o.device, low=-1, high=1,
                       requires_grad=True, noncontiguous=noncontiguous)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of ``func``'s vector-Jacobian product."""
    from . import grad as _grad
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev "
                             "to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to "
                             "be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to "
                             "be True")
    _refuse_batched_checks(check_batched_grad, False)
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = tuple(_random_grad_output(o, gen_non_contig_grad_outputs)
                             for o in _differentiable_outputs(func(*inputs)))
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_args = {i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_gos = {i for i, x in enumerate(grad_outputs) if x.requires_grad}

    def new_func(*args):
        # (requires_grad restored: forward-mode checks pass detached inputs)
        ins = tuple(x.requires_grad_() if i in diff_args else x
                    for i, x in enumerate(args[:len(args) - n_out]))
        outs = _differentiable_outputs(func(*ins))
        gos = tuple(x.requires_grad_() if i in diff_gos else x
                    for i, x in enumerate(args[len(args) - n_out:]))
        gi = _grad(outs, tuple(x for i, x in enumerate(ins) if i in diff_args), gos,
                   create_graph=True, allow_unused=True)
        return tuple(g for g in gi if g is not None)
    return gradcheck(new_func, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)
