"""``gradcheck`` / ``gradgradcheck``: analytical gradients against finite differences.

The numerical Jacobian perturbs each input element by ``±eps`` (central differences, so use
float64 inputs); the analytical one comes from backward passes (one per output element), or,
with ``check_forward_ad``, from forward-mode jvps.  ``fast_mode`` compares random projections
``u^T J v`` instead of whole Jacobians (PyTorch's fast gradcheck).
"""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "get_numerical_jacobian",
           "get_analytical_jacobian"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when gradients disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _diff_inputs(inputs):
    return [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _outputs(func, inputs):
    out = func(*inputs)
    return _as_tuple(out)


def _diff_outputs(outs):
    """The float and complex tensors among ``outs`` (those finite differences are taken of)."""
    return [o for o in outs if isinstance(o, Tensor) and
            (o.dtype.is_floating_point or o.dtype.is_complex)]


def _requiring_grad(outs):
    """Which of ``outs`` (float outputs) are checked: those that require grad, as PyTorch's
    ``_differentiable_outputs``; the numerical Jacobians of the others are dropped."""
    return [isinstance(o, Tensor) and o.requires_grad for o in outs]


def _no_differentiable_outputs(numerical, nondet_tol, raise_exception):
    """With no output requiring grad, every finite difference must be zero."""
    if any(np.size(j) and float(np.max(np.abs(j))) > nondet_tol for j in numerical):
        return _fail("Numerical gradient for function expected to be zero", raise_exception)
    return True


def _values(outs):
    return [np.array(o.detach()._np, dtype=np.float64 if not np.iscomplexobj(o._np)
                     else np.complex128, copy=True) for o in outs]


def _perturbed_eval(func, inputs, x, flat_index, delta, shapes_out=None):
    a = x._np
    idx = np.unravel_index(flat_index, a.shape) if a.ndim else ()
    orig = a[idx].copy() if a.ndim else a[()].copy()
    a[idx] = orig + delta
    try:
        outs = _diff_outputs(_outputs(func, inputs))
        vals = _values(outs)
    finally:
        a[idx] = orig
    if shapes_out is not None:
        shapes_out.append([(o.shape, o.dtype) for o in outs])
    return vals


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


def _numerical_columns(func, inputs, x, eps):
    """Per float output of ``func(*inputs)``: the (numel of x, numel out) finite-difference
    Jacobian with respect to ``x``, which is perturbed in place (it need not be an input)."""
    n = x.numel()
    cols = None
    for j in range(n):
        metas = []
        minus = _perturbed_eval(func, inputs, x, j, -eps, metas)
        plus = _perturbed_eval(func, inputs, x, j, eps, metas)
        _check_outputs_same_dtype_and_shape(
            metas[0], metas[1], eps, tuple(int(k) for k in np.unravel_index(j, tuple(x._size))))
        if cols is None:
            cols = [np.zeros((n, p.size), dtype=p.dtype) for p in plus]
        for k, (p, m) in enumerate(zip(plus, minus)):
            cols[k][j] = ((p - m) / (2 * eps)).reshape(-1)
    if cols is None:
        cols = [np.zeros((0, o.numel())) for o in _diff_outputs(_outputs(func, inputs))]
    return cols


def _numerical_jacobian(func, inputs, eps=1e-6):
    """Per differentiable input, per float output: a (numel_in, numel_out) array."""
    return [_numerical_columns(func, inputs, inputs[i], eps) for i in _diff_inputs(inputs)]


def _analytical_jacobian(func, inputs, outs=None):
    """Per differentiable input, per output: (numel_in, numel_out), from backward passes."""
    from . import grad as _grad
    from .._aten._ops_registry import aten
    inputs = _as_tuple(inputs)
    di = _diff_inputs(inputs)
    if outs is None:
        outs = _diff_outputs(_outputs(func, inputs))
    jac = [[np.zeros((inputs[i].numel(), o.numel())) for o in outs] for i in di]
    for k, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for m in range(o.numel()):
            g = np.zeros(o.numel(), dtype=np.float64)
            g[m] = 1.0
            go = aten._to_copy.default(_tensor(g.reshape(o._size)), dtype=o.dtype)
            grads = _grad([o], [inputs[i] for i in di], [go], retain_graph=True,
                          allow_unused=True)
            for a, gi in enumerate(grads):
                if gi is not None:
                    jac[a][k][:, m] = np.asarray(gi._np, dtype=np.float64).reshape(-1)
    return jac


def _deprecated_private_api(name):
    warnings.warn(f"`{name}` was part of PyTorch's private API and not meant to be exposed. We "
                  "are deprecating it and it will be removed in a future version of PyTorch. If "
                  "you have a specific use for this or feature request for this to be a stable "
                  "API, please file us an issue at https://github.com/pytorch/pytorch/issues/new",
                  FutureWarning, stacklevel=3)


def _grad_out_must_be_one(name, grad_out):
    if grad_out != 1.0:  # (kept in the signature for backward compatibility only)
        raise ValueError(f"Expected grad_out to be 1.0. {name} no longer supports values of "
                         "grad_out != 1.0.")


def get_numerical_jacobian(fn, inputs, target=None, eps=1e-3, grad_out=1.0):
    """Deprecated: finite-difference Jacobians of ``fn``'s first output.

    ``fn`` takes ``inputs`` as one tuple.  Returns one (numel_in, numel_out) tensor per tensor
    of ``target`` (default ``inputs``) that requires grad; ``target`` is perturbed in place, so
    it need not be one of ``inputs`` (do not pass a clone).
    """
    _deprecated_private_api("get_numerical_jacobian")
    _grad_out_must_be_one("get_numerical_jacobian", grad_out)
    inputs = _as_tuple(inputs)
    if any(isinstance(o, Tensor) and o.dtype.is_complex for o in _as_tuple(fn(inputs))):
        raise ValueError("Expected output to be non-complex. get_numerical_jacobian no longer "
                         "supports functions that return complex outputs.")
    targets = inputs if target is None else _as_tuple(target)
    return tuple(_tensor(_numerical_columns(lambda *a: fn(a), inputs, t, eps)[0]).to(t.dtype)
                 for t in targets if isinstance(t, Tensor) and t.requires_grad)


def get_analytical_jacobian(inputs, output, nondet_tol=0.0, grad_out=1.0):
    """Deprecated: the Jacobians of ``output`` with respect to the differentiable ``inputs``,
    from backward passes, as ``(jacobians, reentrant, correct_grad_sizes,
    correct_grad_types)``; every backward runs twice and ``reentrant`` says whether both runs
    agreed within ``nondet_tol``."""
    from . import grad as _grad
    from .._aten._ops_registry import aten
    _deprecated_private_api("get_analytical_jacobian")
    _grad_out_must_be_one("get_analytical_jacobian", grad_out)
    if output.dtype.is_complex:
        raise ValueError("Expected output to be non-complex. get_analytical_jacobian no longer "
                         "supports functions that return complex outputs.")
    diff = [x for x in _as_tuple(inputs) if isinstance(x, Tensor) and x.requires_grad]
    n_out = output.numel()
    runs = [[np.zeros((x.numel(), n_out)) for x in diff] for _ in range(2)]
    sizes_ok = types_ok = True
    for jac in runs:
        for m in range(n_out):
            g = np.zeros(n_out, dtype=np.float64)
            g[m] = 1.0
            go = aten._to_copy.default(_tensor(g.reshape(output._size)), dtype=output.dtype)
            grads = _grad([output], diff, [go], retain_graph=True, allow_unused=True)
            for a, (x, gi) in enumerate(zip(diff, grads)):
                if gi is None:
                    continue
                if gi._size != x._size:
                    sizes_ok = False
                elif gi.dtype != x.dtype:
                    types_ok = False
                jac[a][:, m] = np.asarray(gi._np, dtype=np.float64).reshape(-1)
    first, second = runs
    reentrant = all(_reentrant(a, b, nondet_tol) for a, b in zip(first, second))
    jacobians = tuple(_tensor(j).to(x.dtype) for j, x in zip(first, diff))
    return jacobians, reentrant, sizes_ok, types_ok


def _tensor(arr):
    from .._tensor import from_array
    return from_array(np.array(arr, dtype=np.float64 if np.isrealobj(arr) else None,
                               order="C", copy=True))


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


def _not_reentrant(nondet_tol):
    return ("Backward is not reentrant, i.e., running backward with same input and grad_output "
            "multiple times gives different values, although analytical gradient matches "
            f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}." +
            FAILED_NONDET_MSG)


def _reentrant(first, second, nondet_tol):
    """Whether two backward passes' results agree within ``nondet_tol``."""
    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    return a.size == 0 or float(np.max(np.abs(a - b))) <= nondet_tol


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _check_inputs(inputs):
    for idx, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            if x.dtype._name not in ("float64", "complex128"):
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating "
                    "point or complex. This check will likely fail if all the inputs are not of "
                    "double precision floating point or complex. ", stacklevel=3)


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` at ``inputs`` against finite differences."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad "
                             "to be True")
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
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    float_outs = _diff_outputs(_outputs(func, inputs))
    checked = _requiring_grad(float_outs)
    outs = [o for o, c in zip(float_outs, checked) if c]
    di = _diff_inputs(inputs)
    if fast_mode:
        if check_backward_ad or not outs:
            ok = _fast_check(func, inputs, outs, checked, di, eps, atol, rtol, raise_exception,
                             nondet_tol)
            if not ok or not outs:
                return ok
    else:
        if not outs or check_backward_ad:
            numerical = _numerical_jacobian(func, inputs, eps)
        if not outs:
            return _no_differentiable_outputs([j for per_in in numerical for j in per_in], 0.0,
                                              raise_exception)
        if check_backward_ad:
            numerical = [[j for j, c in zip(per_in, checked) if c] for per_in in numerical]
            # every backward pass twice: the second must agree (PyTorch's reentrancy check)
            analytical = _analytical_jacobian(func, inputs, outs)
            again = _analytical_jacobian(func, inputs, outs)
            for a in range(len(di)):
                for k in range(len(outs)):
                    if not _reentrant(analytical[a][k], again[a][k], nondet_tol):
                        return _fail(_not_reentrant(nondet_tol), raise_exception)
            for a, i in enumerate(di):
                for k in range(len(outs)):
                    n, an = numerical[a][k], analytical[a][k]
                    if not np.allclose(an, n, rtol=rtol, atol=atol):
                        return _fail(f"Jacobian mismatch for output {k} with respect to input "
                                     f"{i},\nnumerical:{_tensor(n)}\nanalytical:{_tensor(an)}\n",
                                     raise_exception)
    if check_forward_ad:
        from ._gradcheck_forward import check_forward_ad as _check_forward
        _check_forward(func, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode,
                       check_undefined_grad=check_undefined_grad,
                       check_grad_dtypes=check_grad_dtypes)
    if check_backward_ad and check_undefined_grad and outs:
        _check_undefined_grad(func, inputs, outs, di)
    return True


def _check_undefined_grad(func, inputs, outs, di):
    """PyTorch's _test_undefined_backward_mode: backward must cope with undefined output
    gradients (all at once, then one at a time) and give undefined or zero input grads."""
    from . import grad as _grad
    from .._C._functions import UndefinedGrad
    from .._aten._ops_registry import aten
    diff_inputs = [inputs[i] for i in di]

    def warn_bc_breaking():
        warnings.warn("Backwards compatibility: New undefined gradient support checking "
                      "feature is enabled by default, but it may break existing callers of "
                      "this function. If this is true for you, you can call this function "
                      'with "check_undefined_grad=False" to disable the feature')

    def check(outputs):
        grads_output = [aten.zeros_like.default(o) for o in outputs]
        try:
            grads_input = _grad(outputs, diff_inputs, grads_output, allow_unused=True)
        except RuntimeError as e:
            warn_bc_breaking()
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. Please look at "
                '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"'
            ) from e
        for gi in grads_input:
            if gi is not None and not bool(np.all(np.asarray(gi._np) == 0)):
                warn_bc_breaking()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads "
                    'are undefined or zero. Please look at "Notes about undefined output '
                    'gradients" in "tools/autograd/derivatives.yaml"')

    def fresh_outputs():
        return [o for o in _outputs(func, inputs) if isinstance(o, Tensor) and o.requires_grad]

    check([UndefinedGrad()(o) for o in fresh_outputs()])
    if len(outs) > 1:
        for k in range(len(outs)):
            fresh = fresh_outputs()
            check([UndefinedGrad()(o) if j == k else o for j, o in enumerate(fresh)])


def _fast_check(func, inputs, outs, checked, di, eps, atol, rtol, raise_exception,
                nondet_tol=0.0):
    from . import grad as _grad
    rng = np.random.default_rng(0)
    us = [rng.uniform(-1, 1, size=o._size) if o.numel() else np.zeros(o._size) for o in outs]
    # (positive, as PyTorch draws its input vectors with rand)
    vs = {i: rng.uniform(0, 1, size=inputs[i]._size) for i in di}
    for i in di:
        x = inputs[i]
        a = x._np
        orig = a.copy()
        v = vs[i]
        try:
            a[...] = orig - eps * v
            mo = _diff_outputs(_outputs(func, inputs))
            minus = _values(mo)
            a[...] = orig + eps * v
            po = _diff_outputs(_outputs(func, inputs))
            plus = _values(po)
        finally:
            a[...] = orig
        _check_outputs_same_dtype_and_shape([(o.shape, o.dtype) for o in mo],
                                            [(o.shape, o.dtype) for o in po], eps)
        jv = [(p - m) / (2 * eps) for p, m in zip(plus, minus)]
        if not outs:
            if not _no_differentiable_outputs(jv, nondet_tol, raise_exception):
                return False
            continue
        jv = [j for j, c in zip(jv, checked) if c]
        for k, o in enumerate(outs):
            num = float(np.sum(us[k] * jv[k]))
            an = 0.0
            if o.requires_grad:
                go = _tensor(us[k]).to(o.dtype)
                g, g2 = (_grad([o], [x], [go], retain_graph=True, allow_unused=True)[0]
                         for _ in range(2))  # (twice: the reentrancy check)
                if (g is None) != (g2 is None) or g is not None and not _reentrant(
                        g._np, g2._np, nondet_tol):
                    return _fail(_not_reentrant(nondet_tol), raise_exception)
                if g is not None:
                    an = float(np.sum(np.asarray(g._np, dtype=np.float64) * v))
            if not np.isclose(an, num, rtol=rtol, atol=atol):
                return _fail(f"Jacobian mismatch for output {k} with respect to input {i},"
                             f"\nnumerical:{num}\nanalytical:{an}\n\nThe above quantities "
                             "relating the numerical and analytical jacobians are computed "
                             "in fast mode.", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of ``func``'s vector-Jacobian product."""
    from . import grad as _grad
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outs = _diff_outputs(_outputs(func, inputs))
        rng = np.random.default_rng(1)
        grad_outputs = tuple(
            _tensor(rng.uniform(-1, 1, size=o._size)).to(o.dtype).requires_grad_(True)
            for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    di = _diff_inputs(inputs)

    def new_func(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _diff_outputs(_outputs(func, ins))
        pairs = [(o, g) for o, g in zip(outs, gos) if o.requires_grad]
        if not pairs:
            return ()
        gi = _grad([o for o, _ in pairs], [ins[i] for i in di], [g for _, g in pairs],
                   create_graph=True, allow_unused=True, materialize_grads=True)
        return tuple(gi)
    return gradcheck(new_func, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=False,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev)
