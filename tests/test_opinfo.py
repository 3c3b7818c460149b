"""Every sample of every aten op with samples: kindling CPU vs PyTorch, and Meta vs CPU.

The op list comes from ``kindling.testing.opinfo.op_db()`` (every ``defop`` with a sample
generator), so newly declared ops are tested without touching this file.
"""
import re

import pytest

import kindling
from kindling.testing.harness import assert_same, sample_args
from kindling.testing.opinfo import op_db

_DB = {i.name: i for i in op_db()}
# PyTorch's OpOverload argument parser rejects a Python number for a Tensor argument except
# for a few ops (torch._C._should_allow_numbers_as_tensors); kindling accepts it everywhere.
_NUMBER_AS_TENSOR = re.compile(r"Expected a value of type 'Tensor' for argument '\w+' but "
                               r"instead found type '(int|float|bool|complex)'")
_CASES = [(n, d) for n, i in _DB.items() for d in i.dtypes]


def _call(fn, args, kwargs):
    try:
        return fn(*args, **kwargs), None
    except Exception as e:  # noqa: BLE001 - the error type is what gets compared
        return None, e


def _tensors(x):
    if isinstance(x, kindling.Tensor):
        yield x
    elif isinstance(x, (list, tuple)):
        for e in x:
            yield from _tensors(e)
    elif isinstance(x, dict):
        for e in x.values():
            yield from _tensors(e)


def _to_meta(x, tensor_type=kindling.Tensor):
    if isinstance(x, tensor_type):
        return x.to("meta")
    if isinstance(x, (list, tuple)):
        return type(x)(_to_meta(e, tensor_type) for e in x)
    if isinstance(x, dict):
        return {k: _to_meta(v, tensor_type) for k, v in x.items()}
    return x


def _assert_meta_like(m, c, check_stride, where):
    if isinstance(c, (list, tuple)):
        assert isinstance(m, (list, tuple)) and len(m) == len(c), where
        for a, b in zip(m, c):
            _assert_meta_like(a, b, check_stride, where)
        return
    if isinstance(c, kindling.Tensor):
        assert isinstance(m, kindling.Tensor), where
        assert str(m.device) == "meta", where
        assert tuple(m.shape) == tuple(c.shape), f"{where}: shape {tuple(m.shape)} != {tuple(c.shape)}"
        assert m.dtype == c.dtype, f"{where}: dtype {m.dtype} != {c.dtype}"
        if check_stride:
            assert tuple(m.stride()) == tuple(c.stride()), f"{where}: stride"
            assert m.storage_offset() == c.storage_offset(), f"{where}: storage_offset"


def _torch_meta_args(sample, torch):
    """The sample's arguments as PyTorch meta tensors: ``([input, *args], kwargs)``."""
    tin, targs, tkw = sample_args(sample, torch)
    return _to_meta([tin, *targs], torch.Tensor), _to_meta(tkw, torch.Tensor)


def _param(n, d):
    reason = _DB[n].xfail_reason(d)
    marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
    return pytest.param(n, d, id=f"{n}-{d}", marks=marks)


@pytest.mark.parametrize("name,dtype", [_param(n, d) for n, d in _CASES])
def test_op_vs_torch_and_meta(torch, name, dtype):
    info = _DB[name]
    reason = info.skip_reason(dtype)
    if reason:
        pytest.skip(reason)
    top = info.torch_op(torch)
    rtol, atol = info.tolerance
    samples = info.sample_inputs(dtype)
    known_bug = []
    for idx, s in enumerate(samples):
        where = f"{name} {dtype} sample {idx}: {s!r}"
        tin, targs, tkw = sample_args(s, torch)
        t_res, t_err = _call(top, [tin, *targs], tkw)
        kin, kargs, kkw = sample_args(s)
        k_res, k_err = _call(info.op, [kin, *kargs], kkw)
        if t_err is not None:
            if k_err is None and _NUMBER_AS_TENSOR.search(str(t_err)):
                known_bug.append(where)
                continue
            assert k_err is not None, f"{where}: PyTorch raised {t_err!r}, kindling did not"
            assert isinstance(k_err, type(t_err)), \
                f"{where}: PyTorch raised {t_err!r}, kindling raised {k_err!r}"
            continue
        if k_err is not None:
            raise AssertionError(f"{where}: kindling raised {k_err!r}") from k_err
        try:
            assert_same(k_res, t_res, check_stride=info.is_view, rtol=rtol, atol=atol)
            if info.is_inplace:  # the mutated inputs too
                assert_same([kin, *kargs], [tin, *targs], rtol=rtol, atol=atol)
        except AssertionError as e:
            raise AssertionError(f"{where}: {e}") from None

        # Meta: same shapes/dtypes (and strides for views) as the CPU result.
        if not any(True for _ in _tensors(k_res)):
            continue
        cin, cargs, ckw = sample_args(s)
        c_res = info.op(cin, *cargs, **ckw)
        m_args = _to_meta([cin, *cargs])
        m_kw = _to_meta(ckw)
        same_layout = all(
            tuple(a.stride()) == tuple(b.stride()) and a.storage_offset() == b.storage_offset()
            for a, b in zip(_tensors([cin, *cargs, ckw]), _tensors([*m_args, m_kw])))
        m_res, m_err = _call(info.op, m_args, m_kw)
        if m_err is not None:
            # (ops whose output shape depends on the data - nonzero, masked_select - refuse
            # meta tensors in PyTorch too)
            tm_err = _call(top, *_torch_meta_args(s, torch))[1]
            if tm_err is not None and isinstance(m_err, type(tm_err)):
                continue
            raise AssertionError(f"{where}: meta raised {m_err!r}") from m_err
        _assert_meta_like(m_res, c_res, info.is_view and same_layout, f"{where} (meta)")
    if known_bug:
        pytest.xfail(f"kindling bug in _ops.value_matches: a Python number is accepted for a "
                     f"'Tensor' argument of every op; PyTorch accepts it only for "
                     f"torch._C._should_allow_numbers_as_tensors ops (add/sub/mul/div...). "
                     f"{len(known_bug)} sample(s), e.g. {known_bug[0]}")


@pytest.mark.parametrize("name", sorted(n for n, i in _DB.items() if i.opdef.error_samples_fn))
def test_op_error_inputs(torch, name):
    info = _DB[name]
    top = info.torch_op(torch)
    for dtype in info.dtypes:
        for e in info.error_inputs(dtype):
            kin, kargs, kkw = sample_args(e.sample)
            with pytest.raises(e.error_type, match=e.error_regex):
                info.op(kin, *kargs, **kkw)
            tin, targs, tkw = sample_args(e.sample, torch)
            with pytest.raises(e.error_type):
                top(tin, *targs, **tkw)


def test_db_covers_declared_ops():
    from kindling._aten._defop import all_ops
    with_samples = {str(d.op) for d in all_ops().values() if d.sample_fn is not None}
    assert with_samples == set(_DB)
    assert all(re.fullmatch(r"aten\.\w+\.\w+", n) for n in _DB)


def test_every_db_op_exists_in_torch(torch):
    for info in _DB.values():
        info.torch_op(torch)
