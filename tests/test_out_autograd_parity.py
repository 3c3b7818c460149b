"""``out=`` overloads whose arguments require grad, against PyTorch.

PyTorch treats them three ways, by what derivatives.yaml says of the functional form: ops with
formulas (``add.out``, ``mm.out``) refuse any input or output that requires grad; ops it lists
as not differentiable (``eq.Tensor_out``, ``argmax.out``, ``special_airy_ai.out``) just run;
ops it does not list, and every ``autogen`` out= overload (``diag_embed.out``,
``_pdist_forward.out``, ``zeros.out``), go through autogradNotImplementedFallback: they run,
the outputs get a ``NotImplemented`` node, and only an output that may not be modified in
place is refused (naming ``aten::<op>``).  Each case compares the outcome (the exception, or
the result's grad_fn, requires_grad, leafness and version), in grad mode and no_grad, with
the inputs, the output or neither requiring grad, under forward AD, and with views as outputs.
"""
import importlib

import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

_X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [3.0, -2.0, 1.0]])


def _x(T, rg=False):
    return T.tensor(_X, requires_grad=rg)


# name -> (call(T, inputs_require_grad, out), out dtype name)
OPS = {
    # derivatives.yaml formulas: refused
    "add.out": (lambda T, rg, o: T.ops.aten.add.out(_x(T, rg), _x(T), out=o), "float64"),
    "mul.out": (lambda T, rg, o: T.mul(_x(T), _x(T, rg), out=o), "float64"),
    "mm.out": (lambda T, rg, o: T.mm(_x(T, rg), _x(T), out=o), "float64"),
    "sum.IntList_out": (lambda T, rg, o: T.ops.aten.sum.IntList_out(_x(T, rg), [0], out=o),
                        "float64"),
    "cumsum.out": (lambda T, rg, o: T.cumsum(_x(T, rg), 1, out=o), "float64"),
    "normal.Tensor_float_out":
        (lambda T, rg, o: T.ops.aten.normal.Tensor_float_out(_x(T, rg), 1.0, out=o.resize_(3, 3)),
         "float64"),
    # listed with no differentiable output: run
    "eq.Tensor_out": (lambda T, rg, o: T.eq(_x(T, rg), _x(T), out=o), "bool"),
    "eq.Tensor_out(float out)": (lambda T, rg, o: T.eq(_x(T, rg), _x(T), out=o), "float64"),
    "all.out": (lambda T, rg, o: T.ops.aten.all.out(_x(T, rg), 0, out=o), "bool"),
    "argmax.out": (lambda T, rg, o: T.argmax(_x(T, rg), 1, out=o), "int64"),
    "histc.out": (lambda T, rg, o: T.histc(_x(T, rg), 4, out=o), "float64"),
    "special_airy_ai.out": (lambda T, rg, o: T.special.airy_ai(_x(T, rg), out=o), "float64"),
    "special_chebyshev_polynomial_t.out":
        (lambda T, rg, o: T.special.chebyshev_polynomial_t(_x(T, rg), _x(T), out=o), "float64"),
    "logical_and.out": (lambda T, rg, o: T.logical_and(_x(T, rg), _x(T), out=o), "bool"),
    # not listed, or autogen out=: autogradNotImplementedFallback
    "diag_embed.out": (lambda T, rg, o: T.ops.aten.diag_embed.out(_x(T, rg)[0], out=o),
                       "float64"),
    "_pdist_forward.out": (lambda T, rg, o: T.ops.aten._pdist_forward.out(_x(T, rg), out=o),
                           "float64"),
    "heaviside.out": (lambda T, rg, o: T.heaviside(_x(T, rg), _x(T), out=o), "float64"),
    "floor_divide.out": (lambda T, rg, o: T.floor_divide(_x(T, rg), _x(T) + 5, out=o),
                         "float64"),
    "rot90.out": (lambda T, rg, o: T.ops.aten.rot90.out(_x(T, rg), out=o), "float64"),
    "zeros.out": (lambda T, rg, o: T.zeros(3, out=o), "float64"),
    "arange.out": (lambda T, rg, o: T.arange(4, out=o), "float64"),
    "linspace.out": (lambda T, rg, o: T.linspace(0, 1, 4, out=o), "float64"),
}


def _fw(T):
    return importlib.import_module(T.__name__ + ".autograd.forward_ad")


def _out(T, dtype, how):
    dt = getattr(T, dtype)
    if how == "leaf" and dt.is_floating_point:
        return T.empty(0, dtype=dt, requires_grad=True)
    if how == "nonleaf" and dt.is_floating_point:
        return T.empty(0, dtype=dt, requires_grad=True).clone()
    return T.empty(0, dtype=dt)


def _state(r):
    rs = r if isinstance(r, (tuple, list)) else (r,)
    return [(type(t.grad_fn).__name__ if t.grad_fn is not None else None, t.requires_grad,
             t.is_leaf, t._version, tuple(t.shape)) for t in rs]


def _outcome(T, op, scenario):
    call, dtype = OPS[op]
    in_rg = scenario in ("inputs", "inputs, no_grad")
    o = _out(T, dtype, {"out leaf": "leaf", "out leaf, no_grad": "leaf",
                        "out non-leaf": "nonleaf"}.get(scenario))
    try:
        if scenario.endswith("no_grad"):
            with T.no_grad():
                r = call(T, in_rg, o)
        else:
            r = call(T, in_rg, o)
    except Exception as e:  # noqa: BLE001 (the error is what is compared)
        return type(e).__name__, str(e)
    assert r is o
    return _state(r)


SCENARIOS = ("inputs", "out leaf", "out non-leaf", "neither", "inputs, no_grad",
             "out leaf, no_grad")


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("op", sorted(OPS))
def test_requires_grad(op, scenario):
    assert _outcome(kindling, op, scenario) == _outcome(torch, op, scenario)


def _fw_outcome(T, op, where):
    call, dtype = OPS[op]
    fw = _fw(T)
    with fw.dual_level():
        o = _out(T, dtype, None)
        if where == "out" and o.dtype.is_floating_point:
            o = fw.make_dual(o, T.zeros_like(o))
        x = _x(T)
        if where == "input":
            # (every tensor the call makes from _x carries a tangent through this patch)
            real = T.tensor

            def dual_tensor(v, **kw):
                t = real(v, **kw)
                return fw.make_dual(t, T.ones_like(t)) if t.dtype.is_floating_point else t
            T.tensor = dual_tensor
        try:
            r = call(T, False, o)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        finally:
            if where == "input":
                T.tensor = real
        del x
        return [fw.unpack_dual(t).tangent is not None for t in (r,)]


@pytest.mark.parametrize("where", ["input", "out"])
@pytest.mark.parametrize("op", sorted(OPS))
def test_forward_ad(op, where):
    assert _fw_outcome(kindling, op, where) == _fw_outcome(torch, op, where)


def _graph(T, op):
    """The NotImplemented node the fallback records: its name, next edges, backward error."""
    call, dtype = OPS[op]
    o = _out(T, dtype, "nonleaf")
    r = call(T, True, o)
    fn = r.grad_fn
    nxt = [type(f).__name__ if f is not None else None for f, _ in fn.next_functions]
    try:
        r.sum().backward()
        err = None
    except RuntimeError as e:
        err = str(e)
    return type(fn).__name__, fn.name(), nxt, err


@pytest.mark.parametrize("op", ["diag_embed.out", "_pdist_forward.out", "heaviside.out",
                                "zeros.out"])
def test_not_implemented_node(op):
    assert _graph(kindling, op) == _graph(torch, op)


def _view_outcome(T, how):
    """diag_embed.out (the fallback) and add.out (a formula) writing into views."""
    x = _x(T, True)
    results = []
    for op in ("diag_embed", "add"):
        base = T.zeros(4, 3, 3, requires_grad=True)
        if how == "view of a non-leaf":
            base = base.clone()
            v = base[1]
        elif how == "view of a leaf":
            v = base[1]
        elif how == "no_grad view of a non-leaf":
            base = base.clone()
            with T.no_grad():
                v = base[1]
        else:  # a view of a tensor not requiring grad
            base = T.zeros(4, 3, 3)
            v = base[1]
        try:
            if op == "diag_embed":
                T.ops.aten.diag_embed.out(x[0], out=v)
            else:
                T.add(x, x, out=v)
            nxt = [type(f).__name__ if f is not None else None
                   for f, _ in (base.grad_fn.next_functions if base.grad_fn else ())]
            results.append((type(base.grad_fn).__name__, nxt, type(v.grad_fn).__name__,
                            base._version, v._version))
        except Exception as e:  # noqa: BLE001
            results.append((type(e).__name__, str(e)))
    return results


@pytest.mark.parametrize("how", ["view of a non-leaf", "view of a leaf",
                                 "no_grad view of a non-leaf", "view of a plain tensor"])
def test_view_outputs(how):
    assert _view_outcome(kindling, how) == _view_outcome(torch, how)


def test_out_survey_covers_each_kind():
    """The cases above cover each of the kinds the op library's out= kernels take."""
    from kindling._aten._defop import all_ops
    from kindling.autograd._out_kernels import out_autograd_kind
    ops = all_ops()
    kinds = {out_autograd_kind(ops[n.split("(")[0]]) for n in OPS}
    assert kinds == {"formula", "nondiff", "inputs_nondiff", "not_implemented"}
