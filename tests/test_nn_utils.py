"""``kindling.nn.utils`` compared with ``torch.nn.utils``: gradient clipping, parameters to a
vector and back, packed and padded sequences (values, dtypes, gradients, errors)."""
import numpy as np
import pytest

import kindling

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def pair(*shape, dtype=np.float32, requires_grad=False, scale=1.0):
    """The same random values as a kindling tensor and a torch tensor."""
    a = (RNG.standard_normal(shape) * scale).astype(dtype)
    k = kindling.tensor(a, requires_grad=requires_grad)
    t = torch.tensor(a, requires_grad=requires_grad)
    return k, t


def close(k, t, **kw):
    assert tuple(k.shape) == tuple(t.shape)
    assert str(k.dtype) == str(t.dtype)
    np.testing.assert_allclose(k.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6,
                               **kw)


def raises_same(fk, ft):
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(type(et.value)) as ek:
        fk()
    assert str(ek.value) == str(et.value)


def params_with_grads(shapes, dtypes=None, grad_scale=1.0, none_at=()):
    ks, ts = [], []
    for i, s in enumerate(shapes):
        dt = dtypes[i] if dtypes else np.float32
        k, t = pair(*s, dtype=dt)
        kp, tp = kindling.nn.Parameter(k), torch.nn.Parameter(t)
        if i not in none_at:
            gk, gt = pair(*s, dtype=dt, scale=grad_scale)
            kp.grad, tp.grad = gk, gt
        ks.append(kp)
        ts.append(tp)
    return ks, ts


SHAPES = [(3, 4), (5,), (2, 2, 2)]


# ---- clip_grad -------------------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, float("inf"), "inf", 0.5])
@pytest.mark.parametrize("foreach", [None, True, False])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_(norm_type, foreach, max_norm):
    ks, ts = params_with_grads(SHAPES, none_at=(1,))
    nk = kindling.nn.utils.clip_grad_norm_(ks, max_norm, norm_type, foreach=foreach)
    nt = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type, foreach=foreach)
    close(nk, nt)
    for kp, tp in zip(ks, ts):
        assert (kp.grad is None) == (tp.grad is None)
        if kp.grad is not None:
            close(kp.grad, tp.grad)


def test_clip_grad_norm_single_tensor_and_mixed_dtypes():
    ks, ts = params_with_grads(SHAPES, dtypes=[np.float32, np.float64, np.float32])
    close(kindling.nn.utils.clip_grad_norm_(ks, 1.0), torch.nn.utils.clip_grad_norm_(ts, 1.0))
    for kp, tp in zip(ks, ts):
        close(kp.grad, tp.grad)
    ks, ts = params_with_grads([(4, 3)])
    close(kindling.nn.utils.clip_grad_norm_(ks[0], 0.1),
          torch.nn.utils.clip_grad_norm_(ts[0], 0.1))
    close(ks[0].grad, ts[0].grad)


def test_clip_grad_norm_no_grads_and_empty():
    ks, ts = params_with_grads(SHAPES, none_at=(0, 1, 2))
    close(kindling.nn.utils.clip_grad_norm_(ks, 1.0), torch.nn.utils.clip_grad_norm_(ts, 1.0))
    close(kindling.nn.utils.clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))


def test_clip_grad_norm_empty_generator_warns():
    with pytest.warns(UserWarning) as wt:
        torch.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(UserWarning) as wk:
        kindling.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    assert [str(w.message) for w in wk] == [str(w.message) for w in wt]


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_clip_grad_norm_error_if_nonfinite(bad):
    ks, ts = params_with_grads(SHAPES)
    ks[0].grad[0, 0] = bad
    ts[0].grad[0, 0] = bad
    raises_same(lambda: kindling.nn.utils.clip_grad_norm_(ks, 1.0, error_if_nonfinite=True),
                lambda: torch.nn.utils.clip_grad_norm_(ts, 1.0, error_if_nonfinite=True))
    # (without the flag the gradients are scaled by the non-finite norm)
    nk = kindling.nn.utils.clip_grad_norm_(ks, 1.0)
    nt = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    close(nk, nt)
    for kp, tp in zip(ks, ts):
        close(kp.grad, tp.grad)


def test_clip_grad_norm_deprecated_alias():
    ks, ts = params_with_grads(SHAPES)
    with pytest.warns(FutureWarning) as wt:
        nt = torch.nn.utils.clip_grad_norm(ts, 1.0)
    with pytest.warns(FutureWarning) as wk:
        nk = kindling.nn.utils.clip_grad_norm(ks, 1.0)
    assert str(wk[0].message) == str(wt[0].message)
    close(nk, nt)


def test_clip_grad_norm_not_recorded_by_autograd():
    ks, ts = params_with_grads(SHAPES)
    for kp in ks:
        kp.grad.requires_grad_()
    for tp in ts:
        tp.grad.requires_grad_()
    nk = kindling.nn.utils.clip_grad_norm_(ks, 1.0)
    nt = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    assert nk.requires_grad == nt.requires_grad
    assert (ks[0].grad.grad_fn is None) == (ts[0].grad.grad_fn is None)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_get_total_norm_and_clip_grads_with_norm_(norm_type):
    ks, ts = params_with_grads(SHAPES)
    nk = kindling.nn.utils.get_total_norm([p.grad for p in ks], norm_type)
    nt = torch.nn.utils.get_total_norm([p.grad for p in ts], norm_type)
    close(nk, nt)
    kindling.nn.utils.clip_grads_with_norm_(ks, 0.3, nk)
    torch.nn.utils.clip_grads_with_norm_(ts, 0.3, nt)
    for kp, tp in zip(ks, ts):
        close(kp.grad, tp.grad)
    close(kindling.nn.utils.get_total_norm(ks[0]), torch.nn.utils.get_total_norm(ts[0]))
    close(kindling.nn.utils.get_total_norm([]), torch.nn.utils.get_total_norm([]))


@pytest.mark.parametrize("foreach", [None, True, False])
@pytest.mark.parametrize("clip", [0.1, 1, 5.0])
def test_clip_grad_value_(foreach, clip):
    ks, ts = params_with_grads(SHAPES, none_at=(2,))
    assert kindling.nn.utils.clip_grad_value_(ks, clip, foreach=foreach) is None
    torch.nn.utils.clip_grad_value_(ts, clip, foreach=foreach)
    for kp, tp in zip(ks, ts):
        if tp.grad is not None:
            close(kp.grad, tp.grad)
    kp, tp = params_with_grads([(6,)])
    kindling.nn.utils.clip_grad_value_(kp[0], clip)
    torch.nn.utils.clip_grad_value_(tp[0], clip)
    close(kp[0].grad, tp[0].grad)


def test_clip_grad_foreach_on_subclass_grads_falls_back():
    # (foreach=None takes the per-tensor path for tensor subclasses, same results)
    ks, ts = params_with_grads(SHAPES)
    for kp in ks:
        kp.grad = kindling.nn.Parameter(kp.grad)
    for tp in ts:
        tp.grad = torch.nn.Parameter(tp.grad)
    close(kindling.nn.utils.clip_grad_norm_(ks, 0.2), torch.nn.utils.clip_grad_norm_(ts, 0.2))
    for kp, tp in zip(ks, ts):
        close(kp.grad, tp.grad)


# ---- convert_parameters ------------------------------------------------------------------------
def test_parameters_to_vector_and_back():
    ks, ts = params_with_grads(SHAPES)
    vk = kindling.nn.utils.parameters_to_vector(ks)
    vt = torch.nn.utils.parameters_to_vector(ts)
    close(vk, vt)
    assert vk.requires_grad == vt.requires_grad
    assert type(vk.grad_fn).__name__ == type(vt.grad_fn).__name__
    # gradients flow back to every parameter
    (vk * kindling.arange(vk.numel(), dtype=vk.dtype)).sum().backward()
    (vt * torch.arange(vt.numel(), dtype=vt.dtype)).sum().backward()
    for kp, tp in zip(ks, ts):
        close(kp.grad, tp.grad)
    new = RNG.standard_normal(vk.numel()).astype(np.float32)
    nk, nt = kindling.tensor(new), torch.tensor(new)
    kindling.nn.utils.vector_to_parameters(nk, ks)
    torch.nn.utils.vector_to_parameters(nt, ts)
    for kp, tp in zip(ks, ts):
        close(kp, tp)
        assert isinstance(kp, kindling.nn.Parameter) and kp.requires_grad == tp.requires_grad
    # the parameters now view the vector
    nk[0] = 42.0
    nt[0] = 42.0
    close(ks[0], ts[0])


@pytest.mark.parametrize("bad", [[1.0, 2.0], 3, "x", np.zeros(3)])
def test_vector_to_parameters_needs_a_tensor(bad):
    ks, ts = params_with_grads(SHAPES)
    raises_same(lambda: kindling.nn.utils.vector_to_parameters(bad, ks),
                lambda: torch.nn.utils.vector_to_parameters(bad, ts))


# ---- rnn -----------------------------------------------------------------------------------------
def seqs(lengths, feat=(3,), requires_grad=False):
    ks, ts = [], []
    for n in lengths:
        k, t = pair(n, *feat, requires_grad=requires_grad)
        ks.append(k)
        ts.append(t)
    return ks, ts


def close_packed(pk, pt):
    close(pk.data, pt.data)
    assert pk.batch_sizes.tolist() == pt.batch_sizes.tolist()
    assert str(pk.batch_sizes.dtype) == str(pt.batch_sizes.dtype)
    for a, b in ((pk.sorted_indices, pt.sorted_indices),
                 (pk.unsorted_indices, pt.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("feat", [(), (3,), (2, 2)])
def test_pad_sequence(batch_first, padding_side, feat):
    ks, ts = seqs([3, 5, 1, 5], feat, requires_grad=True)
    ok = kindling.nn.utils.rnn.pad_sequence(ks, batch_first, -1.5, padding_side)
    ot = torch.nn.utils.rnn.pad_sequence(ts, batch_first, -1.5, padding_side)
    close(ok, ot)
    w = RNG.standard_normal(tuple(ot.shape)).astype(np.float32)
    (ok * kindling.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    for k, t in zip(ks, ts):
        close(k.grad, t.grad)


def test_pad_sequence_errors():
    raises_same(lambda: kindling.nn.utils.rnn.pad_sequence([]),
                lambda: torch.nn.utils.rnn.pad_sequence([]))
    raises_same(lambda: kindling.nn.utils.rnn.pad_sequence(3),
                lambda: torch.nn.utils.rnn.pad_sequence(3))
    ks, ts = seqs([2, 1])
    raises_same(lambda: kindling.nn.utils.rnn.pad_sequence(ks, padding_side="middle"),
                lambda: torch.nn.utils.rnn.pad_sequence(ts, padding_side="middle"))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]),
                                                     (False, [2, 5, 1, 3]),
                                                     (False, [4, 4, 4])])
@pytest.mark.parametrize("as_list", [False, True])
def test_pack_and_pad_round_trip(batch_first, enforce_sorted, lengths, as_list):
    B, T = len(lengths), max(lengths)
    shape = (B, T, 2) if batch_first else (T, B, 2)
    xk, xt = pair(*shape, requires_grad=True)
    lk = lengths if as_list else kindling.tensor(lengths)
    lt = lengths if as_list else torch.tensor(lengths)
    pk = kindling.nn.utils.rnn.pack_padded_sequence(xk, lk, batch_first, enforce_sorted)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lt, batch_first, enforce_sorted)
    assert type(pk).__name__ == type(pt).__name__ == "PackedSequence"
    close_packed(pk, pt)
    for total in (None, T + 2):
        ok, lk2 = kindling.nn.utils.rnn.pad_packed_sequence(pk, batch_first, 0.25, total)
        ot, lt2 = torch.nn.utils.rnn.pad_packed_sequence(pt, batch_first, 0.25, total)
        close(ok, ot)
        assert ok.stride() == ot.stride()
        assert lk2.tolist() == lt2.tolist() and str(lk2.dtype) == str(lt2.dtype)
    w = RNG.standard_normal(tuple(ot.shape)).astype(np.float32)
    (ok * kindling.tensor(w)).sum().backward()
    (ot * torch.tensor(w)).sum().backward()
    close(xk.grad, xt.grad)


def test_pack_sequence_and_unpack_sequence():
    ks, ts = seqs([2, 4, 3], (2,), requires_grad=True)
    pk = kindling.nn.utils.rnn.pack_sequence(ks, enforce_sorted=False)
    pt = torch.nn.utils.rnn.pack_sequence(ts, enforce_sorted=False)
    close_packed(pk, pt)
    uk = kindling.nn.utils.rnn.unpack_sequence(pk)
    ut = torch.nn.utils.rnn.unpack_sequence(pt)
    assert len(uk) == len(ut)
    for a, b in zip(uk, ut):
        close(a, b)
    sum((a * a).sum() for a in uk).backward()
    sum((b * b).sum() for b in ut).backward()
    for k, t in zip(ks, ts):
        close(k.grad, t.grad)


def test_unpad_sequence():
    ks, ts = seqs([3, 1, 2], (2,))
    pk = kindling.nn.utils.rnn.pad_sequence(ks)
    pt = torch.nn.utils.rnn.pad_sequence(ts)
    lk, lt = kindling.tensor([3, 1, 2]), torch.tensor([3, 1, 2])
    uk = kindling.nn.utils.rnn.unpad_sequence(pk, lk)
    ut = torch.nn.utils.rnn.unpad_sequence(pt, lt)
    for a, b in zip(uk, ut):
        close(a, b)
    close(pk, pt)  # (transposed in place, as PyTorch's)


def test_pack_padded_sequence_errors():
    xk, xt = pair(4, 3, 2)
    R = kindling.nn.utils.rnn
    Rt = torch.nn.utils.rnn
    for lengths in ([1, 3, 2], [3, 2], [3, 2, 0], [4, 2, -1]):
        raises_same(lambda: R.pack_padded_sequence(xk, lengths),
                    lambda: Rt.pack_padded_sequence(xt, lengths))
    ek, et = kindling.zeros(0, 3, 2), torch.zeros(0, 3, 2)
    raises_same(lambda: R.pack_padded_sequence(ek, [1, 1, 1]),
                lambda: Rt.pack_padded_sequence(et, [1, 1, 1]))
    pk = R.pack_padded_sequence(xk, [4, 2, 1])
    pt = Rt.pack_padded_sequence(xt, [4, 2, 1])
    raises_same(lambda: R.pad_packed_sequence(pk, total_length=2),
                lambda: Rt.pad_packed_sequence(pt, total_length=2))


def test_packed_sequence_class():
    R = kindling.nn.utils.rnn
    Rt = torch.nn.utils.rnn
    ks, ts = seqs([3, 1, 2], (2,))
    pk = R.pack_sequence(ks, enforce_sorted=False)
    pt = Rt.pack_sequence(ts, enforce_sorted=False)
    assert pk._fields == pt._fields
    assert isinstance(pk, tuple) and len(pk) == len(pt) == 4
    for conv in ("double", "float", "half", "long", "int", "short", "char", "byte"):
        ck, ct = getattr(pk, conv)(), getattr(pt, conv)()
        close_packed(ck, ct)
    assert pk.to(kindling.float32) is pk and pt.to(torch.float32) is pt
    assert pk.is_cuda == pt.is_cuda and pk.is_pinned() == pt.is_pinned()
    close_packed(pk.cpu(), pt.cpu())
    # from (data, batch_sizes) pairs, as PyTorch's RNN modules build them
    qk = R.PackedSequence((pk.data, pk.batch_sizes))
    qt = Rt.PackedSequence((pt.data, pt.batch_sizes))
    close_packed(qk, qt)
    raises_same(lambda: R.PackedSequence(pk.data), lambda: Rt.PackedSequence(pt.data))
    perm_k, perm_t = kindling.tensor([2, 0, 3, 1]), torch.tensor([2, 0, 3, 1])
    assert R.invert_permutation(perm_k).tolist() == Rt.invert_permutation(perm_t).tolist()
    assert R.invert_permutation(None) is None


def test_public_names():
    import torch.nn.utils as tu
    import torch.nn.utils.rnn as tr
    for name in ("clip_grad_norm", "clip_grad_norm_", "clip_grad_value_",
                 "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
                 "vector_to_parameters"):
        assert callable(getattr(kindling.nn.utils, name)) and hasattr(tu, name)
    assert sorted(kindling.nn.utils.rnn.__all__) == sorted(tr.__all__)
    import importlib
    for mod in ("clip_grad", "rnn"):
        assert sorted(importlib.import_module(f"kindling.nn.utils.{mod}").__all__) == \
            sorted(importlib.import_module(f"torch.nn.utils.{mod}").__all__)
