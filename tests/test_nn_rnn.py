"""nn.RNN / LSTM / GRU, the cells, and the recurrent ops (torch.lstm, torch.gru, torch.rnn_tanh,
torch.rnn_relu with their .input and packed .data overloads, torch.lstm_cell...) against
PyTorch: parameters made under the same seed, outputs and final states, gradients of the input,
the initial states and every parameter, seeded dropout between layers, the ops a
TorchDispatchMode sees, and the errors and warnings with their messages."""
import copy
import pickle
from collections import namedtuple

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import kindling  # noqa: E402
from _parity import call_outcome, dispatch_log, outcome  # noqa: E402

LIBS = (torch, kindling)


def _arr(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _t(T, a, dtype="float64", grad=False):
    t = T.tensor(a).to(getattr(T, dtype))
    return t.requires_grad_() if grad else t


def _flat(out):
    """The tensors of a result: ``(output, h)``, ``(output, (h, c))`` or one tensor."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _np(t):
    return t.detach().numpy()


def _same(a, b, rtol=1e-7, atol=1e-9):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape and x.dtype == y.dtype
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


# ---- modules: parameters, outputs, gradients ---------------------------------------------------
def _run_module(T, make, x_shape, hx_shapes=None, train=False, dtype="float64"):
    """Build under seed 0, run (dropout under seed 7) and backprop a sum of squares; returns
    parameter names, repr and the arrays to compare."""
    T.manual_seed(0)
    m = make(T)
    init = [_np(p).copy() for p in m.parameters()]
    m = m.to(getattr(T, dtype)).train(train)
    x = _t(T, _arr(x_shape, 1), dtype, grad=True)
    hx = None
    if hx_shapes is not None:
        hs = [_t(T, _arr(s, 2 + i), dtype, grad=True) for i, s in enumerate(hx_shapes)]
        hx = tuple(hs) if len(hs) == 2 else hs[0]
    T.manual_seed(7)
    out = m(x) if hx is None else m(x, hx)
    outs = _flat(out)
    sum((o * o).sum() for o in outs).backward()
    grads = [x.grad] + ([] if hx is None else [h.grad for h in _flat(hx)])
    return ([n for n, _ in m.named_parameters()], repr(m), init,
            [_np(o) for o in outs] + [_np(g) for g in grads]
            + [_np(p.grad) for p in m.parameters()])


MODULE_CASES = [
    # (id, constructor, input shape, hidden shapes or None, train)
    ("rnn_tanh", lambda T: T.nn.RNN(3, 5), (4, 2, 3), None, False),
    ("rnn_relu_2layers", lambda T: T.nn.RNN(3, 5, 2, "relu"), (4, 2, 3), [(2, 2, 5)], False),
    ("rnn_relu_kw", lambda T: T.nn.RNN(3, 5, nonlinearity="relu", bias=False), (4, 2, 3),
     None, False),
    ("rnn_bidir_batch_first", lambda T: T.nn.RNN(3, 4, num_layers=2, bidirectional=True,
                                                 batch_first=True), (2, 5, 3),
     [(4, 2, 4)], False),
    ("rnn_unbatched", lambda T: T.nn.RNN(3, 4, 2), (5, 3), [(2, 4)], False),
    ("rnn_dropout", lambda T: T.nn.RNN(3, 4, 3, dropout=0.4), (5, 2, 3), None, True),
    ("lstm", lambda T: T.nn.LSTM(3, 5), (4, 2, 3), None, False),
    ("lstm_hx", lambda T: T.nn.LSTM(3, 5, 2), (4, 2, 3), [(2, 2, 5), (2, 2, 5)], False),
    ("lstm_bidir", lambda T: T.nn.LSTM(3, 4, 2, bidirectional=True), (5, 3, 3),
     [(4, 3, 4), (4, 3, 4)], False),
    ("lstm_batch_first_nobias", lambda T: T.nn.LSTM(3, 4, batch_first=True, bias=False),
     (2, 5, 3), None, False),
    ("lstm_proj", lambda T: T.nn.LSTM(3, 6, 2, proj_size=2), (4, 2, 3),
     [(2, 2, 2), (2, 2, 6)], False),
    ("lstm_proj_bidir_dropout", lambda T: T.nn.LSTM(3, 6, 2, bidirectional=True, proj_size=3,
                                                    dropout=0.5), (4, 2, 3), None, True),
    ("lstm_proj_nobias_bf", lambda T: T.nn.LSTM(3, 6, proj_size=4, bias=False,
                                                batch_first=True), (2, 4, 3), None, False),
    ("lstm_unbatched", lambda T: T.nn.LSTM(3, 4, 2, bidirectional=True), (5, 3),
     [(4, 4), (4, 4)], False),
    ("lstm_unbatched_bf", lambda T: T.nn.LSTM(3, 4, batch_first=True), (5, 3), None, False),
    ("gru", lambda T: T.nn.GRU(3, 5), (4, 2, 3), None, False),
    ("gru_multi_bidir", lambda T: T.nn.GRU(3, 4, 3, bidirectional=True), (5, 2, 3),
     [(6, 2, 4)], False),
    ("gru_batch_first", lambda T: T.nn.GRU(3, 4, 2, batch_first=True, bias=False), (2, 5, 3),
     None, False),
    ("gru_unbatched", lambda T: T.nn.GRU(3, 4), (5, 3), [(1, 4)], False),
    ("gru_dropout_bidir", lambda T: T.nn.GRU(3, 4, 2, dropout=0.3, bidirectional=True),
     (5, 2, 3), None, True),
    ("gru_eval_dropout", lambda T: T.nn.GRU(3, 4, 2, dropout=0.3), (5, 2, 3), None, False),
    ("rnn_cell", lambda T: T.nn.RNNCell(3, 5), (2, 3), [(2, 5)], False),
    ("rnn_cell_relu_nobias", lambda T: T.nn.RNNCell(3, 5, False, "relu"), (2, 3), None, False),
    ("rnn_cell_unbatched", lambda T: T.nn.RNNCell(3, 5), (3,), [(5,)], False),
    ("lstm_cell", lambda T: T.nn.LSTMCell(3, 5), (2, 3), [(2, 5), (2, 5)], False),
    ("lstm_cell_zeros", lambda T: T.nn.LSTMCell(3, 5, bias=False), (2, 3), None, False),
    ("lstm_cell_unbatched", lambda T: T.nn.LSTMCell(3, 5), (3,), [(5,), (5,)], False),
    ("gru_cell", lambda T: T.nn.GRUCell(3, 5), (2, 3), [(2, 5)], False),
    ("gru_cell_unbatched_zeros", lambda T: T.nn.GRUCell(3, 5), (3,), None, False),
]


@pytest.mark.parametrize("make,x_shape,hx_shapes,train", [c[1:] for c in MODULE_CASES],
                         ids=[c[0] for c in MODULE_CASES])
def test_module_matches_torch(make, x_shape, hx_shapes, train):
    rt, rk = (_run_module(T, make, x_shape, hx_shapes, train) for T in LIBS)
    assert rk[0] == rt[0]                       # parameter names, in order
    assert rk[1] == rt[1]                       # repr
    _same(rk[2], rt[2], rtol=0, atol=0)         # initial float32 weights, bit for bit
    _same(rk[3], rt[3])                         # outputs, states, gradients


@pytest.mark.parametrize("make,x_shape", [
    (lambda T: T.nn.LSTM(4, 6, 2, bidirectional=True), (5, 3, 4)),
    (lambda T: T.nn.GRU(4, 6, batch_first=True), (3, 5, 4)),
    (lambda T: T.nn.RNN(4, 6, 2), (5, 3, 4)),
    (lambda T: T.nn.LSTM(4, 6, proj_size=3), (5, 3, 4)),
])
@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_module_float32(make, x_shape):
    """float32 (PyTorch's LSTM runs oneDNN's kernel there: equal up to rounding)."""
    rt, rk = (_run_module(T, make, x_shape, dtype="float32") for T in LIBS)
    _same(rk[3], rt[3], rtol=1e-4, atol=1e-5)


def test_parameter_names_and_flat_weights():
    for T in LIBS:
        T.manual_seed(0)
    mt, mk = (T.nn.LSTM(3, 6, 2, bidirectional=True, proj_size=2, bias=False) for T in LIBS)
    assert mk._flat_weights_names == mt._flat_weights_names
    assert mk._all_weights == mt._all_weights
    assert [p is q for p, q in zip(mk._flat_weights, mk.parameters())] == [True] * 12
    assert [[tuple(w.shape) for w in ws] for ws in mk.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in mt.all_weights]
    assert list(mk.state_dict()) == list(mt.state_dict())
    # assigning a weight updates what the ops are given
    for T, m in ((torch, mt), (kindling, mk)):
        m.weight_ih_l0 = T.nn.Parameter(T.zeros(24, 3))
        assert m._flat_weights[0] is m.weight_ih_l0
    # conversions make new tensors: the list follows
    mk.double()
    assert all(w.dtype is kindling.float64 for w in mk._flat_weights)
    assert [w is p for w, p in zip(mk._flat_weights, mk.parameters())] == [True] * 12


def test_copy_and_pickle():
    kindling.manual_seed(0)
    m = kindling.nn.GRU(3, 4, 2)
    x = kindling.randn(5, 2, 3)
    for m2 in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert m2._flat_weights_names == m._flat_weights_names
        assert [w is p for w, p in zip(m2._flat_weights, m2.parameters())] == [True] * 8
        np.testing.assert_array_equal(_np(m2(x)[0]), _np(m(x)[0]))


def test_functional_call_style_weight_swap():
    """Weights replaced behind the module's back are picked up at the next forward."""
    res = []
    for T in LIBS:
        T.manual_seed(0)
        m = T.nn.RNN(3, 4)
        new = T.nn.Parameter(T.ones(4, 3))
        object.__getattribute__(m, "_parameters")["weight_ih_l0"] = new
        res.append(_np(m(T.ones(2, 1, 3))[0]))
    _same(res[1], res[0], rtol=1e-6, atol=1e-7)


def test_reset_parameters_and_dtype_device_kwargs():
    out = []
    for T in LIBS:
        T.manual_seed(3)
        m = T.nn.LSTMCell(4, 3, dtype=T.float64)
        T.manual_seed(5)
        m.reset_parameters()
        r = T.nn.RNN(2, 3, device="cpu", dtype=T.float64)
        out.append([_np(p) for p in m.parameters()] + [_np(p) for p in r.parameters()])
    _same(out[1], out[0], rtol=0, atol=0)


# ---- the ops -----------------------------------------------------------------------------------
_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3, "lstm": 4}


def _params(name, L, D, I, H, proj=0, bias=True, seed=10):
    G, R = _GATES[name], proj or H
    out, k = [], seed
    for layer in range(L):
        for _ in range(D):
            shapes = [(G * H, I if layer == 0 else R * D), (G * H, R)]
            shapes += [(G * H,), (G * H,)] if bias else []
            shapes += [(proj, H)] if proj else []
            for s in shapes:
                out.append(_arr(s, k))
                k += 1
    return out


OP_CASES = [(n, b, bf, p, bias) for n in ("rnn_tanh", "rnn_relu", "gru", "lstm")
            for b in (False, True) for bf in (False, True) for p in (0.0, 0.5)
            for bias in (True, False)]


@pytest.mark.parametrize("name,bidir,batch_first,dropout,bias", OP_CASES)
def test_input_overload(name, bidir, batch_first, dropout, bias):
    L, D, I, H, B, S = 2, 2 if bidir else 1, 3, 4, 2, 3
    params = _params(name, L, D, I, H, bias=bias)
    x = _arr((B, S, I) if batch_first else (S, B, I), 1)
    res = []
    for T in LIBS:
        ps = [_t(T, p, grad=True) for p in params]
        xt = _t(T, x, grad=True)
        hs = [_t(T, _arr((L * D, B, H), 2 + i), grad=True) for i in range(2)]
        hx = hs if name == "lstm" else hs[0]
        T.manual_seed(4)
        out = getattr(T, name)(xt, hx, ps, bias, L, dropout, True, bidir, batch_first)
        sum((o * o).sum() for o in out).backward()
        used = hs if name == "lstm" else hs[:1]
        res.append([_np(o) for o in out] + [_np(t.grad) for t in [xt] + used + ps])
    _same(res[1], res[0])


@pytest.mark.parametrize("name,bidir,proj", [
    ("rnn_tanh", False, 0), ("rnn_relu", True, 0), ("gru", False, 0), ("gru", True, 0),
    ("lstm", False, 0), ("lstm", True, 0), ("lstm", False, 2), ("lstm", True, 3)])
def test_data_overload_packed(name, bidir, proj):
    """The packed overloads: ``data`` is the time-major concatenation of a batch of sequences
    sorted by decreasing length, ``batch_sizes`` how many are still running at each step."""
    L, D, I, H = 2, 2 if bidir else 1, 3, 5
    R = proj or H
    batch_sizes = [3, 3, 2, 1, 1]
    params = _params(name, L, D, I, H, proj)
    data = _arr((sum(batch_sizes), I), 1)
    res = []
    for T in LIBS:
        ps = [_t(T, p, grad=True) for p in params]
        xt = _t(T, data, grad=True)
        hs = [_t(T, _arr((L * D, 3, s), 2 + i), grad=True) for i, s in enumerate((R, H))]
        hx = hs if name == "lstm" else hs[0]
        T.manual_seed(4)
        out = getattr(T, name)(xt, T.tensor(batch_sizes), hx, ps, True, L, 0.3, True, bidir)
        sum((o * o).sum() for o in out).backward()
        used = hs if name == "lstm" else hs[:1]
        res.append([_np(o) for o in out] + [_np(t.grad) for t in [xt] + used + ps])
    _same(res[1], res[0])


def test_vf_and_ops_namespaces():
    for name in ("lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell",
                 "rnn_tanh_cell", "rnn_relu_cell"):
        assert callable(getattr(kindling, name)) and callable(getattr(kindling._VF, name))
        pt, pk = getattr(torch.ops.aten, name), getattr(kindling.ops.aten, name)
        assert sorted(pk.overloads()) == sorted(pt.overloads())
        for o in pt.overloads():
            assert str(getattr(pk, o)._schema) == str(getattr(pt, o)._schema)
            assert {t.name for t in getattr(pk, o).tags} == {t.name for t in getattr(pt, o).tags}


@pytest.mark.parametrize("name", ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_ops(name, bias):
    G = {"lstm_cell": 4, "gru_cell": 3}.get(name, 1)
    res = []
    for T in LIBS:
        x = _t(T, _arr((2, 3), 1), grad=True)
        hs = [_t(T, _arr((2, 4), 2 + i), grad=True) for i in range(2)]
        ws = [_t(T, _arr(s, 5 + i), grad=True)
              for i, s in enumerate([(4 * G, 3), (4 * G, 4), (4 * G,), (4 * G,)])]
        if not bias:
            ws = ws[:2]
        hx = hs if name == "lstm_cell" else hs[0]
        out = getattr(T, name)(x, hx, *ws)
        sum((o * o).sum() for o in _flat(out)).backward()
        used = hs if name == "lstm_cell" else hs[:1]
        res.append([_np(o) for o in _flat(out)] + [_np(t.grad) for t in [x] + used + ws])
    _same(res[1], res[0])


def _logged(T, case):
    T.manual_seed(0)
    fn, args = case(T)   # (inputs made outside the mode: only the op call is logged)
    log, mode = dispatch_log(T)
    with mode:
        fn(*args)
    return log


def _lstm_case(T):
    return T.lstm, (_t(T, _arr((2, 3, 3), 1)), [_t(T, _arr((4, 2, 4), 2))] * 2,
                    [_t(T, p) for p in _params("lstm", 2, 2, 3, 4)], True, 2, 0.5, True, True,
                    True)


def _gru_case(T):
    return T.gru, (_t(T, _arr((3, 2, 3), 1)), _t(T, _arr((1, 2, 4), 2)),
                   [_t(T, p) for p in _params("gru", 1, 1, 3, 4)], True, 1, 0.0, False, False,
                   False)


def _packed_case(T):
    return T.rnn_relu, (_t(T, _arr((5, 3), 1)), T.tensor([2, 2, 1]), _t(T, _arr((2, 2, 4), 2)),
                        [_t(T, p) for p in _params("rnn_relu", 1, 2, 3, 4)], True, 1, 0.0,
                        False, True)


def _lstm_proj_case(T):
    return T.lstm, (_t(T, _arr((3, 2, 3), 1)), [_t(T, _arr((2, 2, 2), 2)),
                                                _t(T, _arr((2, 2, 4), 3))],
                    [_t(T, p) for p in _params("lstm", 2, 1, 3, 4, proj=2)], True, 2, 0.5,
                    True, False, False)


@pytest.mark.parametrize("case", [
    _lstm_case, _gru_case, _packed_case, _lstm_proj_case,
    lambda T: (T.nn.GRUCell(3, 4).double(), (_t(T, _arr((2, 3), 1)),)),
    lambda T: (T.nn.LSTMCell(3, 4, bias=False).double(), (_t(T, _arr((2, 3), 1)),)),
    lambda T: (T.nn.RNNCell(3, 4).double(), (_t(T, _arr((2, 3), 1)), _t(T, _arr((2, 4), 2)))),
], ids=["lstm", "gru", "rnn_relu_packed", "lstm_proj", "gru_cell", "lstm_cell", "rnn_cell"])
def test_dispatch_mode_sees_the_pieces(case):
    """The ops are CompositeImplicitAutograd, as PyTorch's: a mode sees the same pieces (in
    float64, where PyTorch does not use oneDNN), dropout's RNG calls included."""
    assert _logged(kindling, case) == _logged(torch, case)


def test_lstm_projection_float32_warning():
    """PyTorch's one-time notice that a float32 LSTM with projections does not use oneDNN."""
    from kindling._aten import _util
    _util._warned.discard("LSTM with projections is not supported with oneDNN. Using default "
                          "implementation.")
    m = kindling.nn.LSTM(3, 4, proj_size=2)
    with pytest.warns(UserWarning, match="LSTM with projections is not supported with oneDNN"):
        m(kindling.randn(2, 1, 3))


def test_backward_graph_is_made_of_the_pieces():
    names = []
    for T in LIBS:
        x = _t(T, _arr((2, 3), 1), grad=True)
        h = _t(T, _arr((2, 4), 2))
        out = T.gru_cell(x, h, *[_t(T, _arr(s, 3)) for s in [(12, 3), (12, 4)]])
        names.append(type(out.grad_fn).__name__)
    assert names[1] == names[0]


# ---- errors ------------------------------------------------------------------------------------
ERROR_CASES = [
    # module input checks
    lambda T: T.nn.LSTM(10, 20)(T.randn(5, 3, 5)),
    lambda T: T.nn.GRU(10, 20)(T.randn(5, 3, 5)),
    lambda T: T.nn.RNN(10, 20)(T.randn(5, 3, 5)),
    lambda T: T.nn.RNN(3, 4)(T.randn(2, 2, 2, 3)),
    lambda T: T.nn.LSTM(3, 4)(T.randn(3)),
    lambda T: T.nn.GRU(3, 4)(T.randn(2, 2, 2, 3)),
    lambda T: T.nn.RNN(3, 4, 2)(T.randn(5, 2, 3), T.randn(1, 2, 4)),
    lambda T: T.nn.GRU(3, 4)(T.randn(5, 2, 3), T.randn(1, 3, 4)),
    lambda T: T.nn.GRU(3, 4)(T.randn(5, 2, 3), T.randn(2, 4)),
    lambda T: T.nn.RNN(3, 4)(T.randn(5, 3), T.randn(1, 1, 4)),
    lambda T: T.nn.LSTM(3, 4)(T.randn(5, 2, 3), (T.randn(1, 2, 4), T.randn(1, 2, 3))),
    lambda T: T.nn.LSTM(3, 4)(T.randn(5, 2, 3), (T.randn(2, 2, 4), T.randn(1, 2, 4))),
    lambda T: T.nn.LSTM(3, 4, proj_size=2)(T.randn(5, 2, 3),
                                           (T.randn(1, 2, 4), T.randn(1, 2, 4))),
    lambda T: T.nn.LSTM(3, 4)(T.randn(5, 2, 3), (T.randn(2, 4), T.randn(1, 2, 4))),
    lambda T: T.nn.LSTM(3, 4)(T.randn(5, 3), (T.randn(1, 1, 4), T.randn(1, 4))),
    lambda T: T.nn.LSTM(3, 4)(T.randn(5, 2, 3, dtype=T.float64)),
    lambda T: T.nn.LSTM(3, 4)(T.randn(0, 2, 3)),
    lambda T: T.nn.RNNCell(3, 4)(T.randn(2, 2, 3)),
    lambda T: T.nn.RNNCell(3, 4)(T.randn(2, 3), T.randn(1, 2, 4)),
    lambda T: T.nn.RNNCell(3, 4)(T.randn(2, 5)),
    lambda T: T.nn.RNNCell(3, 4)(T.randn(2, 3), T.randn(3, 4)),
    lambda T: T.nn.GRUCell(3, 4)(T.randn(2, 3), T.randn(2, 5)),
    lambda T: T.nn.GRUCell(3, 4)(T.randn(1, 1, 3)),
    lambda T: T.nn.LSTMCell(3, 4)(T.randn(2, 3), (T.randn(2, 4), T.randn(1, 1, 4))),
    lambda T: T.nn.LSTMCell(3, 4)(T.randn(2, 3), (T.randn(2, 4), T.randn(3, 4))),
    lambda T: T.nn.LSTMCell(3, 4)(T.randn(2, 3, 1)),
    # the ops' own checks
    lambda T: T.lstm(T.randn(2, 1, 3), [T.randn(1, 1, 4)], [T.randn(16, 3), T.randn(16, 4)],
                     False, 1, 0.0, False, False, False),
    lambda T: T.gru(T.randn(2, 1, 3), T.randn(1, 1, 4), [T.randn(12, 3), T.randn(12, 4),
                                                         T.randn(12)],
                    True, 1, 0.0, False, False, False),
    lambda T: T.rnn_tanh(T.randn(2, 1, 3), T.randn(1, 1, 4), [T.randn(4, 3), T.randn(4, 4)],
                         False, 2, 0.0, False, False, False),
    lambda T: T.rnn_tanh(T.randn(2, 1, 3), T.randn(2, 1, 4), [T.randn(4, 3), T.randn(4, 4)],
                         False, 2, 0.0, False, False, False),
    lambda T: T.rnn_tanh(T.randn(2, 1, 3), T.randn(1, 1, 4), [T.randn(4, 3), T.randn(4, 4)],
                         False, 1, 0.0, False, True, False),
    lambda T: T.lstm_cell(T.randn(2, 3), [T.randn(2, 4)], T.randn(16, 3), T.randn(16, 4)),
    lambda T: T.lstm_cell(T.randn(2, 5), [T.randn(2, 4)] * 2, T.randn(16, 3), T.randn(16, 4)),
    lambda T: T.gru_cell(T.randn(2, 3), T.randn(3, 4), T.randn(12, 3), T.randn(12, 4)),
    lambda T: T.rnn_relu_cell(T.randn(2, 3), T.randn(2, 5), T.randn(4, 3), T.randn(4, 4)),
    lambda T: T.lstm_cell(T.randn(2, 3), [T.randn(2, 4), T.randn(2, 5)], T.randn(16, 3),
                          T.randn(16, 4)),
    lambda T: T.lstm_cell(T.randn(3), [T.randn(2, 4)] * 2, T.randn(16, 3), T.randn(16, 4)),
    lambda T: T.gru_cell(T.randn(2, 3), T.randn(2, 4), T.randn(12, 3), T.randn(12, 4),
                         T.randn(5)),
    # errors from the pieces (float64: PyTorch's composite path)
    lambda T: T.gru(_t(T, _arr((2, 3, 3), 1)), _t(T, _arr((1, 2, 4), 2)),
                    [_t(T, _arr((12, 3), 3)), _t(T, _arr((12, 4), 4))], False, 1, 0.0, False,
                    False, False),
    lambda T: T.gru(_t(T, _arr((2, 3, 3), 1)), _t(T, _arr((1, 3, 5), 2)),
                    [_t(T, _arr((12, 3), 3)), _t(T, _arr((12, 4), 4))], False, 1, 0.0, False,
                    False, False),
    lambda T: T.gru(_t(T, _arr((2, 3, 2), 1)), _t(T, _arr((1, 3, 4), 2)),
                    [_t(T, _arr((12, 3), 3)), _t(T, _arr((12, 4), 4))], False, 1, 0.0, False,
                    False, False),
    lambda T: T.lstm(_t(T, _arr((0, 3, 3), 1)), [_t(T, _arr((1, 3, 4), 2))] * 2,
                     [_t(T, _arr((16, 3), 3)), _t(T, _arr((16, 4), 4))], False, 1, 0.0, False,
                     False, False),
    lambda T: T.rnn_tanh(_t(T, _arr((2, 3, 3), 1)), _t(T, _arr((2, 3, 4), 2)),
                         [_t(T, _arr((4, 3), 3)), _t(T, _arr((4, 4), 4))] * 2, False, 2, 1.5,
                         True, False, False),
    lambda T: T.rnn_tanh(_t(T, _arr((5, 3), 1)), T.tensor([3, 3]), _t(T, _arr((1, 3, 4), 2)),
                         [_t(T, _arr((4, 3), 3)), _t(T, _arr((4, 4), 4))], False, 1, 0.0, True,
                         False),
    lambda T: T.gru(T.randn(2, 3, 3), T.randn(1, 3, 4), [T.randn(12, 3, dtype=T.float64),
                                                         T.randn(12, 4)],
                    False, 1, 0.0, False, False, False),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[f"e{i}" for i in range(len(ERROR_CASES))])
def test_errors(case):
    ot, ok = outcome(torch, case), outcome(kindling, case)
    assert isinstance(ot, tuple) and ot[0].endswith("Error"), ot
    assert ok == ot


CTOR_CASES = [
    lambda T: T.nn.RNN(3, 4, dropout=1.5),
    lambda T: T.nn.RNN(3, 4, dropout=True),
    lambda T: T.nn.RNN(3, 4, dropout="0.1"),
    lambda T: T.nn.GRU(3, 4, dropout=0.2),
    lambda T: T.nn.LSTM(3, 4, bias=1),
    lambda T: T.nn.LSTM(3, 4, batch_first=None),
    lambda T: T.nn.LSTM(3.0, 4),
    lambda T: T.nn.LSTM(0, 4),
    lambda T: T.nn.LSTM(3, "4"),
    lambda T: T.nn.LSTM(3, 0),
    lambda T: T.nn.LSTM(3, 4, 0),
    lambda T: T.nn.LSTM(3, 4, proj_size=-1),
    lambda T: T.nn.LSTM(3, 4, proj_size=4),
    lambda T: T.nn.RNN(3, 4, proj_size=2),
    lambda T: T.nn.GRU(3, 4, proj_size=2),
    lambda T: T.nn.RNN(3, 4, 1, "sigmoid"),
    lambda T: T.nn.RNN(3, 4, nonlinearity="gelu"),
    lambda T: T.nn.modules.rnn.RNNBase("XYZ", 3, 4),
]


def _ctor_plain(m):
    return repr(m)


@pytest.mark.parametrize("case", CTOR_CASES, ids=[f"c{i}" for i in range(len(CTOR_CASES))])
def test_constructor_checks_and_warnings(case):
    assert call_outcome(lambda: case(kindling), _ctor_plain) == \
        call_outcome(lambda: case(torch), _ctor_plain)


def test_unknown_cell_nonlinearity():
    for T in LIBS:
        m = T.nn.RNNCell(3, 4, nonlinearity="gelu")
        assert repr(m) == "RNNCell(3, 4, nonlinearity=gelu)"
    assert outcome(kindling, lambda T: T.nn.RNNCell(3, 4, nonlinearity="gelu")(T.randn(2, 3))) \
        == outcome(torch, lambda T: T.nn.RNNCell(3, 4, nonlinearity="gelu")(T.randn(2, 3)))


def test_reprs():
    for make in (lambda T: T.nn.LSTM(3, 4, 2, bias=False, batch_first=True, dropout=0.5,
                                     bidirectional=True, proj_size=2),
                 lambda T: T.nn.GRU(3, 4), lambda T: T.nn.RNN(3, 4, nonlinearity="relu"),
                 lambda T: T.nn.GRUCell(3, 4, bias=False), lambda T: T.nn.LSTMCell(2, 3),
                 lambda T: T.nn.RNNCell(3, 4, nonlinearity="relu", bias=False),
                 lambda T: T.nn.Sequential(T.nn.LSTM(3, 4), T.nn.GRUCell(4, 5))):
        assert repr(make(kindling)) == repr(make(torch))


# ---- packed input through the modules ----------------------------------------------------------
_FakePacked = namedtuple("PackedSequence", "data batch_sizes sorted_indices unsorted_indices")


@pytest.fixture
def fake_packed(monkeypatch):
    """A stand-in for nn.utils.rnn.PackedSequence (same fields), so that the modules' packed
    path is tested without that module."""
    from kindling.nn.modules import rnn as rnn_mod
    monkeypatch.setattr(rnn_mod, "_PACKED", [_FakePacked])
    return _FakePacked


@pytest.mark.parametrize("make,hx", [
    (lambda T: T.nn.LSTM(3, 4, 2, bidirectional=True), True),
    (lambda T: T.nn.LSTM(3, 5, proj_size=2), False),
    (lambda T: T.nn.GRU(3, 4, 2), True),
    (lambda T: T.nn.RNN(3, 4, bidirectional=True), False),
])
def test_module_packed_input(fake_packed, make, hx):
    lengths = [2, 4, 3]
    padded = _arr((4, 3, 3), 1)
    res = []
    for T in LIBS:
        T.manual_seed(0)
        m = make(T).double()
        x = _t(T, padded, grad=True)
        if T is torch:
            packed = T.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        else:   # (what pack_padded_sequence gives, from torch's indices)
            pt = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(padded), lengths,
                                                         enforce_sorted=False)
            order = pt.sorted_indices.tolist()
            steps = [x[t, order[:int(b)]] for t, b in enumerate(pt.batch_sizes.tolist())]
            packed = fake_packed(T.cat(steps), T.tensor(pt.batch_sizes.tolist()),
                                 T.tensor(order), T.tensor(pt.unsorted_indices.tolist()))
        h = None
        if hx:
            L = m.num_layers * (2 if m.bidirectional else 1)
            hs = [_t(T, _arr((L, 3, 4), 5 + i), grad=True) for i in range(2)]
            h = tuple(hs) if isinstance(m, T.nn.LSTM) else hs[0]
        out, hn = m(packed, h)
        assert type(out).__name__ == "PackedSequence"
        outs = [out.data] + _flat(hn)
        sum((o * o).sum() for o in outs).backward()
        res.append([_np(o) for o in outs] + [_np(x.grad)] + [_np(p.grad) for p in m.parameters()]
                   + [_np(out.batch_sizes), _np(out.sorted_indices), _np(out.unsorted_indices)])
    _same(res[1], res[0])


def test_packed_input_without_nn_utils_rnn(monkeypatch):
    from kindling.nn.modules import rnn as rnn_mod
    monkeypatch.setattr(rnn_mod, "_PACKED", [None])
    p = _FakePacked(kindling.randn(3, 3), kindling.tensor([2, 1]), None, None)
    with pytest.raises(NotImplementedError, match="kindling.nn.utils.rnn not available"):
        kindling.nn.LSTM(3, 4)(p)


def test_exports():
    import torch.nn.modules.rnn as trnn

    import kindling.nn.modules.rnn as krnn
    assert krnn.__all__ == trnn.__all__
    for name in trnn.__all__:
        assert getattr(kindling.nn, name) is getattr(krnn, name)
        assert issubclass(getattr(kindling.nn, name), kindling.nn.Module)
    assert kindling.nn.RNN.__mro__[1] is kindling.nn.RNNBase
    assert kindling.nn.GRUCell.__mro__[1] is kindling.nn.RNNCellBase


# ---- other transforms through the pieces -------------------------------------------------------
def test_forward_ad():
    res = []
    for T in LIBS:
        fa = T.autograd.forward_ad
        T.manual_seed(0)
        m = T.nn.GRU(3, 4, 2, bidirectional=True).double()
        c = T.nn.LSTMCell(3, 4).double()
        x, t = _t(T, _arr((5, 2, 3), 1)), _t(T, _arr((5, 2, 3), 2))
        with fa.dual_level():
            o, h = m(fa.make_dual(x, t))
            hy, cy = c(fa.make_dual(x[0], t[0]))
            res.append([_np(fa.unpack_dual(r).tangent) for r in (o, h, hy, cy)])
    _same(res[1], res[0])


@pytest.mark.parametrize("name", ["lstm_cell", "gru_cell", "rnn_tanh_cell"])
def test_cells_gradgradcheck(name):
    G = {"lstm_cell": 4, "gru_cell": 3}.get(name, 1)
    T = kindling
    x = _t(T, _arr((2, 3), 1), grad=True)
    h = _t(T, _arr((2, 2), 2), grad=True)
    w = [_t(T, _arr(s, 3 + i), grad=True) for i, s in enumerate([(2 * G, 3), (2 * G, 2),
                                                                   (2 * G,)])]

    def f(x, h, w_ih, w_hh, b):
        hx = [h, h * 0.5] if name == "lstm_cell" else h
        return getattr(T, name)(x, hx, w_ih, w_hh, b)
    assert T.autograd.gradcheck(f, (x, h, *w))
    assert T.autograd.gradgradcheck(f, (x, h, *w))


def test_meta_device():
    shapes = []
    for T in LIBS:
        m = T.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2, device="meta")
        o, (h, c) = m(T.randn(5, 2, 3, device="meta"))
        g = T.nn.GRU(3, 4, batch_first=True, device="meta")(T.randn(2, 5, 3, device="meta"))
        shapes.append([(tuple(r.shape), str(r.device)) for r in (o, h, c, *g)])
    assert shapes[1] == shapes[0]
