"""``torch.autograd.enforce_grad_layout_policy``: whether AccumulateGrad holds a stolen
gradient to the gradient layout contract, compared with PyTorch (strides of ``.grad``, the
flag as a context manager, a decorator and a plain call, thread-locality)."""
import threading

import pytest

import kindling

torch = pytest.importorskip("torch")


def _permuted(T):
    return T.empty(2, 3, 4).permute(2, 0, 1).requires_grad_()


def _transposed_grad_fn(T):
    class F(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return T.ones(4, 3).t()
    return F


CASES = {
    "mul": lambda T, p: (p * 2).sum(),
    "contiguous-first": lambda T, p: (p.contiguous() * 2).sum(),
    "expanded-grad": lambda T, p: p.contiguous().sum(),
    "accumulate-twice": lambda T, p: (p * 2).sum() + (p * 3).sum(),
}


def _strides(T, enable, case):
    p = _permuted(T)
    with T.autograd.enforce_grad_layout_policy(enable):
        CASES[case](T, p).backward()
    return p.grad.stride(), p.grad.tolist()


@pytest.mark.parametrize("enable", [True, False])
@pytest.mark.parametrize("case", sorted(CASES))
def test_stolen_gradient_layout(enable, case):
    assert _strides(kindling, enable, case) == _strides(torch, enable, case)


def _custom(T, enable):
    p = T.ones(3, 4).requires_grad_()
    with T.autograd.enforce_grad_layout_policy(enable):
        _transposed_grad_fn(T).apply(p).sum().backward()
    return p.grad.stride()


@pytest.mark.parametrize("enable", [True, False])
def test_custom_function_transposed_gradient(enable):
    assert _custom(kindling, enable) == _custom(torch, enable)


def _flag_uses(T):
    C = T._C
    seen = [C._is_grad_layout_enforcement_enabled()]
    T.autograd.enforce_grad_layout_policy(False)  # a plain call sets it
    seen.append(C._is_grad_layout_enforcement_enabled())
    T.autograd.enforce_grad_layout_policy(True)
    seen.append(C._is_grad_layout_enforcement_enabled())

    @T.autograd.enforce_grad_layout_policy(False)
    def f():
        return C._is_grad_layout_enforcement_enabled()
    seen += [C._is_grad_layout_enforcement_enabled(), f(), C._is_grad_layout_enforcement_enabled()]
    other = []
    with T.autograd.enforce_grad_layout_policy(False):
        th = threading.Thread(target=lambda: other.append(C._is_grad_layout_enforcement_enabled()))
        th.start()
        th.join()
        seen.append(C._is_grad_layout_enforcement_enabled())
    seen += other + [C._is_grad_layout_enforcement_enabled()]
    return seen


def test_flag_as_call_decorator_and_per_thread():
    assert _flag_uses(kindling) == _flag_uses(torch)
