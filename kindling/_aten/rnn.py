"""The recurrent ops behind ``nn.RNN``/``LSTM``/``GRU`` and their cells (defined at first use:
see ``_aten/_lazy.py``).

All are CompositeImplicitAutograd, as PyTorch's CPU implementation (ATen's ``RNN.cpp``) is:
gradients come from the pieces and a dispatch mode sees them.

* cells: ``rnn_tanh_cell``, ``rnn_relu_cell``, ``lstm_cell``, ``gru_cell``: one step, written
  with ``linear``, ``unsafe_chunk``, in-place ``sigmoid_``/``tanh_`` and pointwise ops.
* sequences: ``rnn_tanh``, ``rnn_relu``, ``lstm``, ``gru``, each with an ``.input`` overload (a
  padded ``(seq, batch, feature)`` tensor, or batch first) and a ``.data`` overload (a packed
  sequence's ``data`` and ``batch_sizes``).  Layers are stacked, each direction a loop of cell
  steps; the input projection of a whole layer is one ``linear`` done before the loop (as
  PyTorch does on CPU), dropout goes between layers, and an LSTM with projections
  (``proj_size``: its ``h`` smaller than its ``c``) multiplies each step's ``h`` by ``w_hr``.
"""
from __future__ import annotations

from .. import _dtype
from ._api import public
from ._defop import defop
from ._ops_registry import aten
from ._util import warn_once


# ---- a layer's weights -------------------------------------------------------------------------
class _CellParams:
    """One layer-direction's weights (``w_ih``, ``w_hh``, optional biases and ``w_hr``)."""

    __slots__ = ("w_ih", "w_hh", "b_ih", "b_hh", "w_hr")

    def __init__(self, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None):
        self.w_ih, self.w_hh, self.b_ih, self.b_hh, self.w_hr = w_ih, w_hh, b_ih, b_hh, w_hr

    def linear_ih(self, x):
        return aten.linear.default(x, self.w_ih, self.b_ih)

    def linear_hh(self, h):
        return aten.linear.default(h, self.w_hh, self.b_hh)

    def matmul_hr(self, h):
        if self.w_hr is None:
            return h
        return aten.matmul.default(h, aten.t.default(self.w_hr))


def _gather_params(params, has_biases, has_projections=False):
    """The flat parameter list cut into one ``_CellParams`` per layer and direction."""
    params = list(params)
    per = (4 if has_biases else 2) + (1 if has_projections else 0)
    if len(params) % per:
        raise RuntimeError("got an incorrect number of RNN parameters")
    out = []
    for i in range(0, len(params), per):
        p = params[i:i + per]
        w_hr = p[-1] if has_projections else None
        if has_biases:
            out.append(_CellParams(p[0], p[1], p[2], p[3], w_hr))
        else:
            out.append(_CellParams(p[0], p[1], None, None, w_hr))
    return out


# ---- cells: one step (``pre``: ``x`` is already ``linear_ih(input)``) ------------------------
def _simple_cell(nonlinearity):
    def cell(x, h, p, pre=False):
        gates = aten.add_.Tensor(p.linear_hh(h), x if pre else p.linear_ih(x))
        return nonlinearity(gates)
    return cell


_tanh_cell = _simple_cell(aten.tanh.default)
_relu_cell = _simple_cell(aten.relu.default)


def _lstm_cell_step(x, hidden, p, pre=False):
    hx, cx = hidden
    gates = aten.add_.Tensor(p.linear_hh(hx), x if pre else p.linear_ih(x))
    i, f, g, o = aten.unsafe_chunk.default(gates, 4, 1)
    ingate = aten.sigmoid_.default(i)
    forgetgate = aten.sigmoid_.default(f)
    cellgate = aten.tanh_.default(g)
    outgate = aten.sigmoid_.default(o)
    cy = aten.add_.Tensor(aten.mul.Tensor(forgetgate, cx), aten.mul.Tensor(ingate, cellgate))
    hy = aten.mul.Tensor(outgate, aten.tanh.default(cy))
    return p.matmul_hr(hy), cy


def _gru_cell_step(x, h, p, pre=False):
    igates = aten.unsafe_chunk.default(x if pre else p.linear_ih(x), 3, 1)
    hgates = aten.unsafe_chunk.default(p.linear_hh(h), 3, 1)
    reset = aten.sigmoid_.default(aten.add_.Tensor(hgates[0], igates[0]))
    update = aten.sigmoid_.default(aten.add_.Tensor(hgates[1], igates[1]))
    new = aten.tanh_.default(aten.add.Tensor(igates[2], aten.mul_.Tensor(hgates[2], reset)))
    return aten.add_.Tensor(aten.mul_.Tensor(aten.sub.Tensor(h, new), update), new)


class _Kind:
    """How a cell's hidden state is handled: one tensor, or LSTM's ``(h, c)`` pair."""

    def __init__(self, cell, pair):
        self.cell, self.pair = cell, pair

    def output(self, hidden):
        return hidden[0] if self.pair else hidden

    def slice(self, hidden, start, end):
        if self.pair:
            return tuple(aten.narrow.default(t, 0, start, end - start) for t in hidden)
        return aten.narrow.default(hidden, 0, start, end - start)

    def concat(self, hiddens):
        if self.pair:
            return tuple(aten.cat.default([h[k] for h in hiddens], 0) for k in range(2))
        return aten.cat.default(list(hiddens), 0)


_TANH, _RELU = _Kind(_tanh_cell, False), _Kind(_relu_cell, False)
_LSTM, _GRU = _Kind(_lstm_cell_step, True), _Kind(_gru_cell_step, False)


# ---- layers over a padded sequence -------------------------------------------------------------
def _steps(kind, step_inputs, hidden, p):
    outputs = []
    for x in step_inputs:
        hidden = kind.cell(x, hidden, p, True)
        outputs.append(kind.output(hidden))
    return outputs, hidden


def _full_layer(kind, inputs, hidden, p):
    outputs, hidden = _steps(kind, aten.unbind.int(p.linear_ih(inputs), 0), hidden, p)
    if not outputs:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    return aten.stack.default(outputs, 0), hidden


def _full_bidirectional_layer(kind, inputs, hidden, p):
    fw_out, fw_h = _steps(kind, aten.unbind.int(p[0].linear_ih(inputs), 0), hidden[0], p[0])
    if not fw_out:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    fw = aten.stack.default(fw_out, 0)
    rev_in = aten.unbind.int(p[1].linear_ih(inputs), 0)[::-1]
    rev_out, rev_h = _steps(kind, rev_in, hidden[1], p[1])
    rev = aten.stack.default(rev_out[::-1], 0)
    return aten.cat.default([fw, rev], fw.dim() - 1), (fw_h, rev_h)


# ---- layers over a packed sequence (``data`` and its ``batch_sizes``) ---------------------------
def _packed_layer(kind, packed, hidden, p):
    data, sizes = packed
    inputs = p.linear_ih(data)
    outputs, finished, offset, last = [], [], 0, sizes[0]
    for bs in sizes:
        x = aten.narrow.default(inputs, 0, offset, bs)
        offset += bs
        dec = last - bs
        if dec > 0:   # (sequences that ended: their final states are kept aside)
            finished.append(kind.slice(hidden, last - dec, last))
            hidden = kind.slice(hidden, 0, last - dec)
        last = bs
        hidden = kind.cell(x, hidden, p, True)
        outputs.append(kind.output(hidden))
    finished.append(hidden)
    return (aten.cat.default(outputs, 0), sizes), kind.concat(finished[::-1])


def _reversed_packed_layer(kind, packed, hidden_in, p):
    data, sizes = packed
    inputs = p.linear_ih(data)
    outputs, offset, last = [], int(data.shape[0]), sizes[-1]
    hidden = kind.slice(hidden_in, 0, sizes[-1])
    for bs in reversed(sizes):
        if bs - last > 0:   # (sequences that start here join with their initial states)
            hidden = kind.concat([hidden, kind.slice(hidden_in, last, bs)])
        x = aten.narrow.default(inputs, 0, offset - bs, bs)
        offset -= bs
        last = bs
        hidden = kind.cell(x, hidden, p, True)
        outputs.append(kind.output(hidden))
    return (aten.cat.default(outputs[::-1], 0), sizes), hidden


def _packed_bidirectional_layer(kind, packed, hidden, p):
    (fw, sizes), fw_h = _packed_layer(kind, packed, hidden[0], p[0])
    (rev, _), rev_h = _reversed_packed_layer(kind, packed, hidden[1], p[1])
    return (aten.cat.default([fw, rev], -1), sizes), (fw_h, rev_h)


# ---- the stack of layers -----------------------------------------------------------------------
def _pairs(vals):
    if len(vals) % 2:
        raise RuntimeError("Odd number of params or hiddens given to a bidirectional RNN")
    return [(vals[i], vals[i + 1]) for i in range(0, len(vals), 2)]


def _dropout(x, p, packed):
    if packed:
        return aten.dropout.default(x[0], p, True), x[1]
    return aten.dropout.default(x, p, True)


def _rnn_impl(kind, packed, inputs, params, hiddens, num_layers, dropout_p, train,
              bidirectional):
    """Apply ``num_layers`` layers (each direction a loop of ``kind``'s cell); returns the last
    layer's output and each layer-direction's final hidden state, in order."""
    if bidirectional:
        layer = _packed_bidirectional_layer if packed else _full_bidirectional_layer
        hiddens, params = _pairs(hiddens), _pairs(params)
    else:
        layer = _packed_layer if packed else _full_layer
    if num_layers != len(hiddens):
        raise RuntimeError("Expected more hidden states in stacked_rnn")
    if num_layers != len(params):
        raise RuntimeError("Expected more weights in stacked_rnn")
    x, finals = inputs, []
    for i in range(num_layers):
        x, h = layer(kind, x, hiddens[i], params[i])
        finals.append(h)
        if dropout_p != 0 and train and i < num_layers - 1:
            x = _dropout(x, dropout_p, packed)
    if bidirectional:
        finals = [h for pair in finals for h in pair]
    return x, finals


def _one_hidden_input(kind):
    def rnn(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
            batch_first):
        x = aten.transpose.int(input, 0, 1) if batch_first else input
        out, finals = _rnn_impl(kind, False, x, _gather_params(params, has_biases),
                                list(aten.unbind.int(hx, 0)), num_layers, dropout, train,
                                bidirectional)
        hy = aten.stack.default(finals, 0)
        if batch_first:
            aten.transpose_.default(out, 0, 1)
        return out, hy
    return rnn


def _one_hidden_data(kind):
    def rnn(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
            bidirectional):
        packed = (data, _sizes(batch_sizes))
        (out, _), finals = _rnn_impl(kind, True, packed, _gather_params(params, has_biases),
                                     list(aten.unbind.int(hx, 0)), num_layers, dropout, train,
                                     bidirectional)
        return out, aten.stack.default(finals, 0)
    return rnn


def _sizes(batch_sizes):
    return [int(s) for s in batch_sizes.tolist()]


def _lstm_impl(packed, inputs, hx, params, has_biases, num_layers, dropout, train,
               bidirectional):
    has_projections = hx[0].size(2) != hx[1].size(2)
    params = _gather_params(params, has_biases, has_projections)
    hiddens = list(zip(aten.unbind.int(hx[0], 0), aten.unbind.int(hx[1], 0)))
    out, finals = _rnn_impl(_LSTM, packed, inputs, params, hiddens, num_layers, dropout, train,
                            bidirectional)
    return (out, aten.stack.default([h for h, _ in finals], 0),
            aten.stack.default([c for _, c in finals], 0))


def _lstm_input(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                batch_first):
    if len(hx) != 2:
        raise RuntimeError("lstm expects two hidden states")
    if (hx[0].size(2) != hx[1].size(2) and input.dtype is _dtype.float32
            and input.device.type == "cpu"
            and input.numel() != 0):
        # (PyTorch runs float32 LSTMs with oneDNN on CPU, except those with projections)
        warn_once("LSTM with projections is not supported with oneDNN. Using default "
                  "implementation.")
    x = aten.transpose.int(input, 0, 1) if batch_first else input
    out, hy, cy = _lstm_impl(False, x, hx, params, has_biases, num_layers, dropout, train,
                             bidirectional)
    if batch_first:
        out = aten.transpose.int(out, 0, 1)
    return out, hy, cy


def _lstm_data(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
               bidirectional):
    if len(hx) != 2:
        raise RuntimeError("lstm expects two hidden states")
    (out, _), hy, cy = _lstm_impl(True, (data, _sizes(batch_sizes)), hx, params, has_biases,
                                  num_layers, dropout, train, bidirectional)
    return out, hy, cy


# ---- the cell ops ------------------------------------------------------------------------------
def _check_cell_input(input, input_size):
    if input.size(1) != input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected "
                           f"{input_size}")


def _check_cell_hidden(input, hx, hidden_size, label):
    if input.size(0) != hx.size(0):
        raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{label} batch "
                           f"size {hx.size(0)}")
    if hx.size(1) != hidden_size:
        raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got {hx.size(1)}, "
                           f"expected {hidden_size}")


def _single_cell(step):
    def cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
        _check_cell_input(input, w_ih.size(1))
        _check_cell_hidden(input, hx, w_hh.size(1), 0)
        return step(input, hx, _CellParams(w_ih, w_hh, b_ih, b_hh))
    return cell


def _lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    if len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    _check_cell_input(input, w_ih.size(1))
    hidden_size = w_hh.size(1)
    _check_cell_hidden(input, hx[0], hidden_size, 0)
    _check_cell_hidden(input, hx[1], hidden_size, 1)
    return _lstm_cell_step(input, (hx[0], hx[1]), _CellParams(w_ih, w_hh, b_ih, b_hh))


# ---- definitions -------------------------------------------------------------------------------
_SEEDED = ("nondeterministic_seeded",)
_ARGS = "bool has_biases, int num_layers, float dropout, bool train, bool bidirectional"


def install():
    """Define the ops (at their first use: see ``_aten/_lazy.py``)."""
    for name, kind in (("rnn_tanh", _TANH), ("rnn_relu", _RELU), ("gru", _GRU)):
        cell = defop(f"{name}_cell(Tensor input, Tensor hx, Tensor w_ih, Tensor w_hh, "
                     "Tensor? b_ih=None, Tensor? b_hh=None) -> Tensor")
        cell.composite(_single_cell(kind.cell))
        public(f"{name}_cell", cell, method=False)
    lc = defop("lstm_cell(Tensor input, Tensor[] hx, Tensor w_ih, Tensor w_hh, Tensor? b_ih=None, "
               "Tensor? b_hh=None) -> (Tensor, Tensor)")
    lc.composite(_lstm_cell)
    public("lstm_cell", lc, method=False)

    for name, kind in (("rnn_tanh", _TANH), ("rnn_relu", _RELU), ("gru", _GRU)):
        fi = defop(f"{name}.input(Tensor input, Tensor hx, Tensor[] params, {_ARGS}, "
                   "bool batch_first) -> (Tensor, Tensor)", tags=_SEEDED)
        fi.composite(_one_hidden_input(kind))
        fd = defop(f"{name}.data(Tensor data, Tensor batch_sizes, Tensor hx, Tensor[] params, "
                   f"{_ARGS}) -> (Tensor, Tensor)", tags=_SEEDED)
        fd.composite(_one_hidden_data(kind))
        public(name, fi, fd, method=False)
    li = defop(f"lstm.input(Tensor input, Tensor[] hx, Tensor[] params, {_ARGS}, "
               "bool batch_first) -> (Tensor, Tensor, Tensor)", tags=_SEEDED)
    li.composite(_lstm_input)
    ld = defop(f"lstm.data(Tensor data, Tensor batch_sizes, Tensor[] hx, Tensor[] params, "
               f"{_ARGS}) -> (Tensor, Tensor, Tensor)", tags=_SEEDED)
    ld.composite(_lstm_data)
    public("lstm", li, ld, method=False)
