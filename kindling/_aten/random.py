"""Random ops: the in-place samplers (``uniform_``, ``normal_``, ``random_``, ``bernoulli_``,
``exponential_``) with CPU kernels over a ``Generator``, and the ops PyTorch composes from them
(``rand``, ``randn``, ``randint``, ``randperm``, the ``*_like`` forms, ``normal``,
``bernoulli``, ``dropout``, ``native_dropout``).

Values equal PyTorch's CPU kernels' for the same seed (see ``_rng_math``).  Kernels write
their draws in memory order (TensorIterator's order for one output), hold the generator's
mutex while drawing, and check their arguments before drawing (PyTorch's bernoulli with a
tensor ``p`` checks each element as it goes, so on a bad ``p`` it has already drawn a few).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from .._generator import Generator, check_generator
from .._tensor import Tensor
from . import _rng_math as R
from . import _parser_errors as PE
from ._api import function, public
from ._defop import defop
from ._ops_registry import aten
from ._variants import cpp_name
from .._dispatcher.keys import K
from .._dispatcher.operator import KernelEntry, caller_site
from .factories import (_FACTORY_KW, _factory_kwargs, _finish, _sizes, backend_select, check_out,
                        empty, factory_call, finish_out)

_GEN = "Generator? generator=None"
SEEDED = ("nondeterministic_seeded",)  # (the tag of every op that draws from a generator)
_LIKE_KW = (_FACTORY_KW + ", MemoryFormat? memory_format=None")


def _g(x):
    """A double as C++'s ostream prints it."""
    return f"{x:g}"


def _memory_order(a, like=None):
    """``a`` with its dimensions ordered as ``like``'s (default ``a``) memory, outermost
    (largest stride) first: a flat array written into it fills memory in order, as
    TensorIterator walks a single output."""
    like = a if like is None else like
    if like.flags.c_contiguous or like.ndim < 2:
        return a
    perm = sorted(range(like.ndim), key=lambda d: -abs(like.strides[d]))
    return a.transpose(perm)


def _write(t, vals):
    _fill_in_memory_order(t._np, vals)
    return t


def _float_only(t, kernel):
    if not t.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{t.dtype._scalar_name}'")


def _inplace(schema, node=None):
    """A seeded in-place sampler (``node``: its backward node's name when derivatives.yaml
    numbers it after another overload, as ``RandomBackward1``)."""
    d = defop(schema, tags=SEEDED)

    @d.meta
    def _(self, *args, **kwargs):
        return self
    d.derivative(node, self="zeros_like(grad)", result="self_t.zero_()")
    return d


# ---- uniform_ / normal_ / exponential_ -------------------------------------------------------------
uniform_ = _inplace(f"uniform_(Tensor(a!) self, float from=0., float to=1., *, {_GEN}) -> Tensor(a!)")
normal_ = _inplace(f"normal_(Tensor(a!) self, float mean=0., float std=1., *, {_GEN}) -> Tensor(a!)")
exponential_ = _inplace(f"exponential_(Tensor(a!) self, float lambd=1., *, {_GEN}) -> Tensor(a!)")


def _real_parts(t):
    """A complex tensor's real view as NumPy sees it (``view_as_real``: real, imaginary, ...
    along a new last dim) and its float dtype: PyTorch draws a complex tensor's values as
    one float tensor over that view."""
    real_dt = _dtype.float32 if t.dtype is _dtype.complex64 else _dtype.float64
    return t._np[..., None].view(real_dt._np), real_dt


def _fill_in_memory_order(arr, vals):
    v = _memory_order(arr)
    v[...] = np.asarray(vals).reshape(v.shape).astype(arr.dtype, copy=False)


@uniform_.cpu_ks
def _(ks, self, from_=0.0, to=1.0, *, generator=None):
    if not self.dtype.is_complex:
        _float_only(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_g(from_)} > to={_g(to)}")
    gen = check_generator(generator)
    if self.dtype.is_complex:
        parts, real_dt = _real_parts(self)
        with gen.mutex:
            _fill_in_memory_order(parts, R.uniform(gen, parts.size, real_dt, from_, to))
        return self
    with gen.mutex:
        return _write(self, R.uniform(gen, self.numel(), self.dtype, from_, to))


@normal_.cpu_ks
def _(ks, self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    if self._np is not None and self._np.size == 0:
        return self  # (PyTorch's kernel returns before its dtype dispatch: any dtype)
    if self.dtype.is_complex and self._np is not None:
        # PyTorch's normal_impl_: the real view (real, imaginary, real, ...) drawn as one
        # float tensor, each part with half the variance
        parts, real_dt = _real_parts(self)
        gen = check_generator(generator)
        with gen.mutex:
            vals = R.normal(gen, self.numel() * 2, real_dt, mean, std / math.sqrt(2),
                            self.is_contiguous())
        _fill_in_memory_order(parts, vals)
        return self
    _float_only(self, "normal_kernel_cpu")
    gen = check_generator(generator)
    with gen.mutex:
        return _write(self, R.normal(gen, self.numel(), self.dtype, mean, std,
                                     self.is_contiguous()))


@exponential_.cpu_ks
def _(ks, self, lambd=1.0, *, generator=None):
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_g(lambd)}")
    if not self.dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {self.dtype._scalar_name}")
    gen = check_generator(generator)
    with gen.mutex:
        return _write(self, R.exponential(gen, self.numel(), lambd))


public("uniform_", uniform_, function=False)
public("normal_", normal_, function=False)
public("exponential_", exponential_, function=False)


# ---- random_ ---------------------------------------------------------------------------------------
random_from = _inplace(f"random_.from(Tensor(a!) self, int from, int? to, *, {_GEN}) -> Tensor(a!)")
random_to = _inplace(f"random_.to(Tensor(a!) self, int to, *, {_GEN}) -> Tensor(a!)",
                     "RandomBackward1")
random_ = _inplace(f"random_(Tensor(a!) self, *, {_GEN}) -> Tensor(a!)", "RandomBackward2")

_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


def _limits(dt):
    if dt.is_floating_point:
        fi = np.finfo(dt._np) if dt._name != "bfloat16" else None
        mx = float(fi.max) if fi is not None else 3.3895313892515355e38
        return -mx, mx
    if dt._name == "bool":
        return 0, 1
    ii = np.iinfo(dt._np)
    return int(ii.min), int(ii.max)


def _update_from(frm, dt):
    p1 = int(dt._np.type(frm + 1))
    if p1 < frm:
        n = abs(frm + 1).bit_length() - 1
        frm = p1 + (1 << (n - R.DIGITS[dt._name] + 1))
    return frm


def _update_to(to, dt):
    m1 = int(dt._np.type(to - 1))
    if m1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = m1 - (1 << (n - R.DIGITS[dt._name] + 1))
    return to


def _check_range(frm, to_inc, dt):
    lo, hi = _limits(dt)
    tn = cpp_name(dt)
    for v, name in ((frm, "from"), (to_inc, "to - 1")):
        if not lo <= v <= hi:
            raise RuntimeError(f"{name} is out of bounds for {tn}")
    if dt.is_floating_point:
        d = R.DIGITS[dt._name]
        for v, name in ((frm, "from"), (to_inc, "to - 1")):
            if v < -(1 << d) or v > (1 << d):
                warnings.warn(f"{name} is out of bounds [-(2^{d}), 2^{d}]. Due to precision "
                              f"limitations {tn} can support discrete uniform distribution only "
                              "within this range. This warning will become an error in version "
                              "1.7 release, please fix the code in advance", UserWarning)


def _supported_random(t):
    if t.dtype._name in ("uint32", "uint64", "uint16") or t.dtype.is_complex:
        raise NotImplementedError(f"\"random_from_to_kernel_cpu\" not implemented for "
                                  f"'{t.dtype._scalar_name}'")


def _random_from_to(self, frm, to, generator):
    dt = self.dtype
    _supported_random(self)
    if to is not None:
        if not frm < to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={frm} >= to={to}")
        if dt.is_floating_point:
            frm, to = _update_from(frm, dt), _update_to(to, dt)
            if not frm < to:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' "
                                   f"casted to dtype, but got from={frm} >= to={to}")
        _check_range(frm, to - 1, dt)
        rng = to - frm
    elif frm != _I64_MIN:
        if dt.is_floating_point:
            to_inc = min(1 << R.DIGITS[dt._name], _I64_MAX)
            frm = _update_from(frm, dt)
            if not frm < to_inc:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than or "
                                   f"equal to 'to_inc' casted to dtype, but got from={frm} > "
                                   f"to_inc={to_inc}")
        else:
            to_inc = _limits(dt)[1]
        _check_range(frm, to_inc, dt)
        rng = to_inc - frm + 1
    else:
        rng = None
    if self.numel() == 0:
        return self
    gen = check_generator(generator)
    with gen.mutex:
        if rng is None:
            vals = R.random_full_range(gen, self.numel())
        else:
            vals = R.random_from_to(gen, self.numel(), dt._name, rng, frm)
    return _write(self, vals)


@random_from.cpu_ks
def _(ks, self, frm, to, *, generator=None):
    return _random_from_to(self, frm, to, generator)


@random_to.cpu_ks
def _(ks, self, to, *, generator=None):
    return _random_from_to(self, 0, to, generator)


@random_.cpu_ks
def _(ks, self, *, generator=None):
    if self.dtype._name in ("uint16", "uint32", "uint64") or self.dtype.is_complex:
        raise NotImplementedError(f"\"random_kernel_cpu\" not implemented for "
                                  f"'{self.dtype._scalar_name}'")
    gen = check_generator(generator)
    with gen.mutex:
        return _write(self, R.random_default(gen, self.numel(), self.dtype._name))


public("random_", random_from, random_to, random_, function=False)


# ---- bernoulli -------------------------------------------------------------------------------------
bernoulli_tensor_ = _inplace(f"bernoulli_.Tensor(Tensor(a!) self, Tensor p, *, {_GEN}) -> Tensor(a!)")
bernoulli_float_ = _inplace(f"bernoulli_.float(Tensor(a!) self, float p=0.5, *, {_GEN}) -> Tensor(a!)",
                            "BernoulliBackward2")
bernoulli_tensor_.derivative("BernoulliBackward1", self="zeros_like(grad)", p="zeros_like(p)",
                             result="self_t.zero_()")
bernoulli = defop(f"bernoulli(Tensor self, *, {_GEN}) -> Tensor", tags=SEEDED)
bernoulli_p = defop(f"bernoulli.p(Tensor self, float p, *, {_GEN}) -> Tensor", tags=SEEDED)

_P_MSG = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
          "be improved?  If so, please report an enhancement request to PyTorch.)")


@bernoulli_tensor_.cpu_ks
def _(ks, self, p, *, generator=None):
    pv = np.broadcast_to(p._np, self._np.shape)
    pv = _memory_order(pv, self._np).ravel()
    if not ((pv >= 0) & (pv <= 1)).all():
        raise RuntimeError(_P_MSG)
    gen = check_generator(generator)
    with gen.mutex:
        if p.dtype._name == "float64":
            u = R.uniform01(gen, pv.size, "float64")
            vals = u < pv
        else:
            u = R.uniform01(gen, pv.size, "float32")
            vals = u < pv.astype(np.float32)
    return _write(self, vals)


@bernoulli_float_.cpu_ks
def _(ks, self, p=0.5, *, generator=None):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_g(p)}")
    gen = check_generator(generator)
    with gen.mutex:
        return _write(self, R.uniform01(gen, self.numel(), "float64") < p)


@bernoulli.explicit
def _(self, *, generator=None):
    return aten.bernoulli_.Tensor(aten.empty_like.default(self), self, generator=generator)


@bernoulli_p.explicit
def _(self, p, *, generator=None):
    return aten.bernoulli_.float(aten.empty_like.default(self), p, generator=generator)


bernoulli_out = defop(f"bernoulli.out(Tensor self, *, {_GEN}, Tensor(a!) out) -> Tensor(a!)",
                      tags=SEEDED)


def _bernoulli_out(ks, self, *, generator=None, out):
    # (PyTorch's CPU kernel: ``out`` - any dtype - resized, then drawn into with self as p)
    aten.resize_.default(out, list(self._size))
    return aten.bernoulli_.Tensor(out, self, generator=generator)


bernoulli_out.cpu_ks(_bernoulli_out)
bernoulli_out.entry.register(K.Meta, KernelEntry(_bernoulli_out, caller_site()))
bernoulli.derivative(self="zeros_like(grad)", result="auto_element_wise")
# (bernoulli.p has no derivatives.yaml entry: its node is PyTorch's NotImplemented)
public("bernoulli_", bernoulli_tensor_, bernoulli_float_, function=False)
public("bernoulli", bernoulli, bernoulli_p, bernoulli_out)


# ---- normal (functional) ---------------------------------------------------------------------------
normal_tf = defop(f"normal.Tensor_float(Tensor mean, float std=1., *, {_GEN}) -> Tensor",
                  tags=SEEDED)
normal_ft = defop(f"normal.float_Tensor(float mean, Tensor std, *, {_GEN}) -> Tensor",
                  tags=SEEDED)
normal_tt = defop(f"normal.Tensor_Tensor(Tensor mean, Tensor std, *, {_GEN}) -> Tensor",
                  tags=SEEDED)
normal_ff = backend_select(defop(
    f"normal.float_float(float mean, float std, SymInt[] size, *, {_GEN}, "
    "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None) "
    "-> Tensor", tags=SEEDED))


def _check_std_tensor(std):
    if std.numel() and std._np is not None and not (std._np >= 0).all():
        raise RuntimeError("normal expects all elements of std >= 0.0")


@normal_tf.explicit
def _(mean, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    out = aten.empty_like.default(mean, memory_format=_contig())
    aten.normal_.default(out, 0.0, std, generator=generator)
    return aten.add_.Tensor(out, mean)


@normal_ft.explicit
def _(mean, std, *, generator=None):
    _check_std_tensor(std)
    out = aten.empty_like.default(std, memory_format=_contig())
    aten.normal_.default(out, 0.0, 1.0, generator=generator)
    return aten.add_.Tensor(aten.mul_.Tensor(out, std),
                            aten.full.default([], mean, dtype=out.dtype))


@normal_tt.explicit
def _(mean, std, *, generator=None):
    _check_std_tensor(std)
    shape = list(np.broadcast_shapes(tuple(mean.shape), tuple(std.shape)))
    out = aten.empty.memory_format(shape, dtype=mean.dtype, device=mean.device)
    aten.normal_.default(out, 0.0, 1.0, generator=generator)
    return aten.add_.Tensor(aten.mul_.Tensor(out, std), mean)


@normal_ff.explicit
def _(mean, std, size, *, generator=None, dtype=None, layout=None, device=None,
      pin_memory=None):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_g(std)}")
    out = aten.empty.memory_format(size, dtype=dtype, layout=layout, device=device,
                                   pin_memory=pin_memory)
    return aten.normal_.default(out, mean, std, generator=generator)


def _contig():
    from .._layout import contiguous_format
    return contiguous_format


# (numbered after normal_'s NormalBackward0, in derivatives.yaml's order)
normal_tf.derivative("NormalBackward1", mean="new_zeros(grad, mean_sym_sizes)",
                     result="auto_element_wise")
normal_ft.derivative("NormalBackward2", std="new_zeros(grad, std_sym_sizes)",
                     result="auto_element_wise")
normal_tt.derivative("NormalBackward3", mean="new_zeros(grad, mean_sym_sizes)",
                     std="new_zeros(grad, std_sym_sizes)", result="zeros_like(mean_t)")


@function("normal")
def normal_fn(mean=None, std=1.0, size=None, *, generator=None, out=None, dtype=None,
              layout=None, device=None, requires_grad=False, pin_memory=False):
    """``torch.normal(mean, std, *, generator=None)`` with tensor or float ``mean``/``std``;
    ``torch.normal(mean, std, size)`` for floats."""
    if mean is None:
        raise PE.parser_error("normal", PE.NORMAL, (), PE.given(
            std=None if std == 1.0 else std, size=size, generator=generator, out=out,
            dtype=dtype, layout=layout, device=device, pin_memory=pin_memory,
            requires_grad=requires_grad))
    if size is not None:
        size = _sizes((size,), "normal")
        if out is not None:
            check_out("normal", out, dtype, layout, device)
            return finish_out(aten.normal.float_float_out(float(mean), float(std), size,
                                                       generator=generator, out=out),
                           requires_grad)
        t = factory_call(normal_ff.op, float(mean), float(std), size,
                         generator=generator, **_factory_kwargs(dtype, layout, device, pin_memory))
        return _finish(t, requires_grad)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    kw = {"generator": generator} if out is None else {"generator": generator, "out": out}
    if out is not None:
        check_out("normal", out, None, None, None)
    if mt and st:
        return (normal_tt.op if out is None else aten.normal.Tensor_Tensor_out)(mean, std, **kw)
    elif mt:
        return (normal_tf.op if out is None else aten.normal.Tensor_float_out)(mean, float(std),
                                                                            **kw)
    elif st:
        return (normal_ft.op if out is None else aten.normal.float_Tensor_out)(float(mean), std,
                                                                            **kw)
    else:
        raise PE.parser_error("normal", PE.NORMAL, (mean, std))


# ---- factories: rand, randn, randint, randperm, *_like ------------------------------------------
def _factory(name, fill):
    """``name(size, *, generator)`` (and ``.generator``): ``empty(size)`` then ``fill``
    (the first is in the Core ATen opset)."""
    ops = []
    for overload, gen_kw in (("", ""), (".generator", "Generator? generator, ")):
        d = backend_select(defop(f"{name}{overload}(SymInt[] size, *, {gen_kw}"
                                 f"{_FACTORY_KW[3:]}) -> Tensor",
                                 tags=SEEDED if gen_kw else ("core",) + SEEDED))

        @d.explicit
        def _(size, *, generator=None, dtype=None, layout=None, device=None, pin_memory=None):
            t = empty.op(size, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)
            return fill(t, generator)
        ops.append(d)
    return ops


rand, rand_g = _factory("rand", lambda t, g: aten.uniform_.default(t, 0.0, 1.0, generator=g))
randn, randn_g = _factory("randn", lambda t, g: aten.normal_.default(t, 0.0, 1.0, generator=g))


def _check_gen_arg(fname, generator, args, kwargs, sigs=()):
    if generator is not None and not isinstance(generator, Generator):
        got = ", ".join([type(a).__name__ if not isinstance(a, Tensor) else "Tensor"
                         for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()
                                           if v is not None])
        raise TypeError(f"{fname}() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n" + "".join(f" * {s}\n" for s in sigs))


def _make_sampler(name, ops):
    plain, with_gen = ops
    packet = getattr(aten, name)

    def fn(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
        if not sizes or size is not None:  # (no size, or size= - alone, or beside one)
            if sizes or size is None:
                raise PE.parser_error(name, PE.SAMPLER, sizes, PE.given(
                    size=size, generator=generator, out=out, dtype=dtype, layout=layout,
                    device=device, pin_memory=pin_memory, requires_grad=requires_grad))
            sizes = (size,)
        _check_gen_arg(name, generator, sizes, {"generator": generator}, PE.SAMPLER)
        sizes = _sizes(sizes, name)
        if out is not None:
            check_out(name, out, dtype, layout, device)
            t = packet.generator_out(sizes, generator=generator, out=out) \
                if generator is not None else packet.out(sizes, out=out)
            return finish_out(t, requires_grad)
        kw = _factory_kwargs(dtype, layout, device, pin_memory)
        t = factory_call(with_gen.op, sizes, generator=generator, **kw) \
            if generator is not None else factory_call(plain.op, sizes, **kw)
        return _finish(t, requires_grad)
    fn.__name__ = name
    fn.__doc__ = (f"``torch.{name}(*size, generator=None)``: "
                  + ("uniform samples in [0, 1)." if name == "rand" else
                     "standard normal samples."))
    return function(name)(fn)


_make_sampler("rand", (rand, rand_g))
_make_sampler("randn", (randn, randn_g))


def _randint_ops():
    ops = {}
    for low, lo_txt in ((False, ""), (True, "SymInt low, ")):
        for gen in (False, True):
            ov = {(False, False): "", (False, True): ".generator", (True, False): ".low",
                  (True, True): ".low_generator"}[(low, gen)]
            d = backend_select(defop(
                f"randint{ov}({lo_txt}SymInt high, SymInt[] size, *, "
                f"{'Generator? generator, ' if gen else ''}ScalarType? dtype=4, "
                "Layout? layout=None, Device? device=None, bool? pin_memory=None) -> Tensor",
                tags=SEEDED))

            def kernel(*args, generator=None, dtype=None, layout=None, device=None,
                       pin_memory=None, _low=low):
                lo, hi, size = args if _low else (0,) + tuple(args)
                t = empty.op(size, dtype=_dtype.int64 if dtype is None else dtype,
                             layout=layout, device=device, pin_memory=pin_memory)
                return aten.random_.__getattr__("from")(t, lo, hi, generator=generator)
            d.explicit(kernel)
            ops[(low, gen)] = d
    return ops


_RANDINT = _randint_ops()


@function("randint")
def randint_fn(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None,
               layout=None, device=None, requires_grad=False, pin_memory=False):
    """``torch.randint(low=0, high, size, *, generator=None, dtype=torch.int64)``."""
    given = args
    if low is not None or high is not None or size is not None:
        args = ((low,) if low is not None else ()) + args + \
            ((high,) if high is not None else ()) + ((size,) if size is not None else ())
    _check_gen_arg("randint", generator, args, {"generator": generator}, PE.RANDINT)
    if len(args) == 2 and (size is not None or not (low is not None or high is not None)):
        low, (high, size) = None, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise PE.parser_error("randint", PE.RANDINT, given, PE.given(
            low=low, high=high, size=size, generator=generator, out=out, dtype=dtype,
            layout=layout, device=device, pin_memory=pin_memory,
            requires_grad=requires_grad))
    if isinstance(size, int):
        if len(args) == 2:  # (the one signature taking two arguments)
            raise TypeError("randint(): argument 'size' (position 2) must be tuple of ints, "
                            "not int")
        raise PE.parser_error("randint", PE.RANDINT, args)
    pos = ((int(low),) if low is not None else ()) + (int(high), _sizes((size,), "randint", 2))
    gkw = {"generator": generator} if generator is not None else {}
    if out is not None:
        check_out("randint", out, dtype, layout, device)
        ov = ("low_" if low is not None else "") + ("generator_out" if gkw else "out")
        return finish_out(getattr(aten.randint, ov)(*pos, out=out, **gkw), requires_grad)
    kw = _factory_kwargs(dtype if dtype is not None else _dtype.int64, layout, device, pin_memory)
    d = _RANDINT[(low is not None, generator is not None)]
    return _finish(factory_call(d.op, *pos, **gkw, **kw), requires_grad)


randperm = backend_select(defop(f"randperm(SymInt n, *, {_FACTORY_KW[3:].replace('dtype=None', 'dtype=4')}) -> Tensor",
                                tags=("core",) + SEEDED))
randperm_g = backend_select(defop(f"randperm.generator(SymInt n, *, Generator? generator, "
                                  f"{_FACTORY_KW[3:].replace('dtype=None', 'dtype=4')}) -> Tensor",
                                  tags=SEEDED))


def _randperm_kernel(n, *, generator=None, dtype=None, layout=None, device=None, pin_memory=None):
    t = empty.op([n], dtype=_dtype.int64 if dtype is None else dtype, layout=layout,
                 device=device, pin_memory=pin_memory)
    return randperm_into(t, n, generator)


_RANDPERM_DTYPES = frozenset(("uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                              "float32", "float64"))
_C_INT = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t"}
_PRECISION = {"float16": (11, "2049"), "float32": (24, "2^24+1"), "float64": (53, "2^53+1")}


def randperm_into(out, n, generator):
    """PyTorch's ``randperm_out_cpu``: check that ``out``'s dtype holds ``n - 1`` exactly,
    resize ``out`` to ``[n]`` and write the permutation (drawn as ``randperm`` draws it)."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = out.dtype
    top = n - 1 if n > 0 else n
    if dt._name in _C_INT and not _limits(dt)[0] <= top <= _limits(dt)[1]:
        raise RuntimeError(f"value cannot be converted to type {_C_INT[dt._name]} without "
                           "overflow")
    if dt._name in _PRECISION:
        bits, shown = _PRECISION[dt._name]
        if n > (1 << bits) + 1:
            raise RuntimeError(f"n cannot be greater than {shown} for {dt._legacy} type.")
    if tuple(out._size) != (n,):
        aten.resize_.default(out, [n])
    if dt._name not in _RANDPERM_DTYPES:
        raise NotImplementedError(f"\"randperm\" not implemented for '{dt._scalar_name}'")
    if out._np is not None and n:
        gen = check_generator(generator)
        with gen.mutex:
            out._np[...] = R.randperm(gen, n).astype(out._np.dtype)
    return out


randperm.explicit(_randperm_kernel)
randperm_g.explicit(_randperm_kernel)


@function("randperm")
def randperm_fn(n=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
                requires_grad=False, pin_memory=False):
    """``torch.randperm(n, *, generator=None)``: a random permutation of ``0..n-1``."""
    if n is None:
        raise PE.parser_error("randperm", PE.RANDPERM, (), PE.given(
            generator=generator, out=out, dtype=dtype, layout=layout, device=device,
            pin_memory=pin_memory, requires_grad=requires_grad))
    _check_gen_arg("randperm", generator, (n,), {"generator": generator}, PE.RANDPERM)
    if out is not None:
        check_out("randperm", out, dtype, layout, device)
        t = aten.randperm.generator_out(int(n), generator=generator, out=out) \
            if generator is not None else aten.randperm.out(int(n), out=out)
        return finish_out(t, requires_grad)
    kw = _factory_kwargs(dtype if dtype is not None else _dtype.int64, layout, device, pin_memory)
    t = factory_call(randperm_g.op, int(n), generator=generator, **kw) \
        if generator is not None else factory_call(randperm.op, int(n), **kw)
    return _finish(t, requires_grad)


def _like_sampler(name, fill, extra=""):
    ops = []
    for ov, gen_kw in (("", ""), (".generator", "Generator? generator, ")):
        d = defop(f"{name}{ov}(Tensor self, {extra}*, {gen_kw}{_LIKE_KW[3:]}) -> Tensor",
                  tags=SEEDED)

        @d.explicit
        def _(self, *args, generator=None, dtype=None, layout=None, device=None,
              pin_memory=None, memory_format=None):
            t = aten.empty_like.default(self, dtype=dtype, layout=layout, device=device,
                                        pin_memory=pin_memory, memory_format=memory_format)
            return fill(t, generator, *args)
        d.nondifferentiable()
        ops.append(d)
    return ops


rand_like = _like_sampler("rand_like", lambda t, g: aten.uniform_.default(t, generator=g))
randn_like = _like_sampler("randn_like", lambda t, g: aten.normal_.default(t, generator=g))
randint_like = _like_sampler("randint_like", lambda t, g, high: aten.random_.__getattr__("from")(
    t, 0, high, generator=g), "SymInt high, ")


def _int_arg(v):
    """Whether the parser takes ``v`` for an ``int`` (an integer, or a one-element tensor)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) or \
        isinstance(v, Tensor) and v.numel() == 1


def _randint_like_bounds(input, args, low, high, given, unknown):
    """``(low, high)`` of ``randint_like(input, [low,] high)`` (``low`` None when not given),
    or the parser's TypeError for its six signatures."""
    named = [v for v in (low, high) if v is not PE.MISSING]
    vals = list(args) + named
    ok = input is not PE.MISSING and (
        len(vals) == 2 and low is not PE.MISSING is not high and not args or
        len(vals) == 2 and len(args) == 1 and high is not PE.MISSING and low is PE.MISSING or
        len(vals) == 2 and len(args) == 2 or
        len(vals) == 1 and low is PE.MISSING)
    if ok and not unknown and \
            all(_int_arg(v) or (len(vals) == 1 and isinstance(v, Tensor)) for v in vals):
        return (None, vals[0]) if len(vals) == 1 else tuple(vals)
    shown = (() if input is PE.MISSING else (input,)) + tuple(args)
    kw = dict(given, **{k: v for k, v in (("low", low), ("high", high))
                        if v is not PE.MISSING}, **unknown)
    raise PE.parser_error("randint_like", PE.RANDINT_LIKE, shown, kw)


def _like_fn(name, ops):
    plain, with_gen = ops

    def fn(input=PE.MISSING, *args, low=PE.MISSING, high=PE.MISSING, generator=None,
           dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
           memory_format=None, **unknown):
        given = PE.given(generator=generator, memory_format=memory_format, dtype=dtype,
                         layout=layout, device=device, pin_memory=pin_memory,
                         requires_grad=requires_grad)
        if name == "randint_like":
            lo, hi = _randint_like_bounds(input, args, low, high, given, unknown)
            args = (hi,) if lo is None else (lo, hi)
        else:
            unknown = dict({k: v for k, v in (("low", low), ("high", high))
                            if v is not PE.MISSING}, **unknown)
            if input is PE.MISSING or unknown or args:
                shown = (() if input is PE.MISSING else (input,)) + args
                raise PE.parser_error(name, PE.LIKE_SAMPLER, shown, dict(given, **unknown))
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        _check_gen_arg(name, generator, (input,) + args, {"generator": generator})
        kw = {k: v for k, v in (("dtype", dtype), ("layout", layout), ("device", device),
                                ("memory_format", memory_format)) if v is not None}
        kw["pin_memory"] = pin_memory
        if name == "randint_like":
            if len(args) == 2:  # (low, high): empty_like then random_(low, high)
                lo, hi = args
                t = factory_call(aten.empty_like.default, input, **kw)
                t = factory_call(aten.random_.__getattr__("from"), t, int(lo), int(hi),
                                 generator=generator)
                return _finish(t, requires_grad)
            if isinstance(args[0], Tensor) and args[0].dim():
                raise RuntimeError("high must be a scalar tensor and on CPU")
            args = tuple(int(a) for a in args)
        t = factory_call(with_gen.op, input, *args, generator=generator, **kw) \
            if generator is not None else factory_call(plain.op, input, *args, **kw)
        return _finish(t, requires_grad)
    fn.__name__ = name
    fn.__doc__ = f"``torch.{name}(input, ...)``: like ``input``, filled by ``{name[:-5]}``."
    return function(name)(fn)


_like_fn("rand_like", rand_like)
_like_fn("randn_like", randn_like)
_like_fn("randint_like", randint_like)


# ---- dropout ---------------------------------------------------------------------------------------
native_dropout = defop("native_dropout(Tensor input, float p, bool? train) -> (Tensor, Tensor)",
                       tags=("core",) + SEEDED)
native_dropout_backward = defop("native_dropout_backward(Tensor grad_output, Tensor mask, "
                                "float scale) -> Tensor", tags=("pointwise",))
dropout = defop("dropout(Tensor input, float p, bool train) -> Tensor",
                tags=("maybe_aliasing_or_mutating",) + SEEDED)
dropout_ = defop("dropout_(Tensor(a!) self, float p, bool train) -> Tensor(a!)", tags=SEEDED)


@native_dropout.explicit
def _(input, p, train):
    if input.numel() == 0:
        return input, aten.empty_like.default(input)
    if train is None or train:
        p1m = 1.0 - p
        scale = 0.0 if p1m == 0 else 1.0 / p1m
        mask = aten.empty_like.default(input, dtype=_dtype.bool)
        aten.bernoulli_.float(mask, p1m)
        return aten.mul_.Scalar(aten.mul.Tensor(input, mask), scale), mask
    return aten.clone.default(input), aten.ones_like.default(input, dtype=_dtype.bool)


@native_dropout_backward.explicit
def _(grad_output, mask, scale):
    return aten.mul.Scalar(aten.mul.Tensor(grad_output, mask), scale)


def _dropout_scale(p, train):
    return 1.0 if train is False else (0.0 if p == 1 else 1.0 / (1.0 - p))


native_dropout.derivative(
    input=lambda grad, result1, p, train: aten.native_dropout_backward.default(
        grad, result1, _dropout_scale(p, train)),
    result=None)
# (PyTorch's native_dropout_double_backward: ggI.type_as(grad) * (mask.type_as(grad) * scale))
native_dropout_backward.derivative(
    grad_output="grad.type_as(grad_output) * (mask.type_as(grad_output) * scale)")


_SELU_ALPHA = 1.7580993408473766  # (alpha dropout's -alpha' = -scale * alpha of SELU)


def _dropout_impl(input, p, train, inplace, feature=False, alpha=False):
    """ATen's ``_dropout_impl``: the composite behind ``dropout``, ``feature_dropout``,
    ``alpha_dropout`` and ``feature_alpha_dropout`` (and their in-place forms).  The mask
    is one ``bernoulli_(1 - p)`` over the input's shape, or over ``(N, C, 1, ...)`` for the
    feature forms."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {_g(p)}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        z = aten.zeros.default([], dtype=input.dtype, device=input.device)
        return aten.mul_.Tensor(input, z) if inplace else aten.mul.Tensor(input, z)
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = list(input.shape[:2]) + [1] * (input.dim() - 2)
        noise = aten.new_empty.default(input, shape)
    else:
        noise = aten.empty_like.default(input)
    aten.bernoulli_.float(noise, 1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_SELU_ALPHA * _SELU_ALPHA * p + 1) * (1 - p))
        b = aten.add.Scalar(noise, -1)
        aten.mul_.Scalar(b, _SELU_ALPHA * a)
        aten.add_.Scalar(b, _SELU_ALPHA * a * p)
        aten.mul_.Scalar(noise, a)
    else:
        aten.div_.Scalar(noise, 1 - p)
    r = aten.mul_.Tensor(input, noise) if inplace else aten.mul.Tensor(input, noise)
    return aten.add_.Tensor(r, b) if alpha else r


@dropout.composite
def _(input, p, train):
    return _dropout_impl(input, p, train, False)


@dropout_.composite
def _(self, p, train):
    return _dropout_impl(self, p, train, True)


public("native_dropout", native_dropout, method=False)
public("dropout", dropout, method=False)
public("dropout_", dropout_, method=False)


@native_dropout_backward.samples
def _(dtype):
    """Deterministic samples (the mask is given), for the OpInfo checks."""
    if np.dtype(dtype).kind != "f":
        return
    from ..testing import samples as S
    mask = np.array([[True, False, True, True], [False, True, False, True],
                     [True, True, False, False]])
    yield S.SampleInput(S.make_arr((3, 4), dtype), S.Arr(mask), 2.0)
    yield S.SampleInput(S.make_arr((3, 4), dtype, seed=1, noncontig=True), S.Arr(mask), 0.5)
