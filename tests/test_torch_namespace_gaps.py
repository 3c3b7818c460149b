"""``torch`` namespace and Tensor-method gaps, compared with PyTorch: the ``torch.<name>_``
in-place functions, process settings, window functions, ``range``, ``histogram``, the
``*_copy`` view copies, norms and small Tensor methods (values, dtypes, errors, warnings,
gradients)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import kindling  # noqa: E402

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
POS = (np.abs(A) + 0.1).astype(np.float32)
UNIT = np.clip(A / 3, -0.9, 0.9).astype(np.float32)


def _t(lib, a, **kw):
    return lib.tensor(a.tolist() if isinstance(a, np.ndarray) else a,
                      dtype=kw.pop("dtype", getattr(lib, str(np.asarray(a).dtype))), **kw)


def _same(k, t, rtol=1e-5, atol=1e-6):
    """kindling result ``k`` equals torch result ``t`` (tensors, tuples, numbers)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(k, kindling.Tensor), type(k)
        assert str(k.dtype) == str(t.dtype), (k.dtype, t.dtype)
        assert tuple(k.shape) == tuple(t.shape)
        if t.device.type != "meta":
            np.testing.assert_allclose(np.asarray(k.detach().tolist()),
                                       np.asarray(t.detach().tolist()), rtol=rtol, atol=atol)
    elif isinstance(t, (tuple, list)):
        assert len(k) == len(t) and type(k).__name__ == type(t).__name__, (k, t)
        for a, b in zip(k, t):
            _same(a, b, rtol, atol)
    else:
        assert k == t, (k, t)


def _raises_same(fk, ft):
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(type(et.value)) as ek:
        fk()
    assert str(ek.value) == str(et.value)


# ---- torch.<name>_ ------------------------------------------------------------------------
INPLACE = [("abs_", A, ()), ("acos_", UNIT, ()), ("asin_", UNIT, ()), ("atan_", A, ()),
           ("ceil_", A, ()), ("clamp_", A, (-0.5, 0.5)), ("clamp_max_", A, (0.2,)),
           ("clamp_min_", A, (0.2,)), ("clip_", A, (-0.3, None)), ("cos_", A, ()),
           ("cosh_", A, ()), ("erf_", A, ()), ("erfc_", A, ()), ("exp2_", A, ()), ("exp_", A, ()),
           ("expm1_", A, ()), ("fill_", A, (2.5,)), ("floor_", A, ()), ("frac_", A, ()),
           ("i0_", A, ()), ("log10_", POS, ()), ("log1p_", POS, ()), ("log2_", POS, ()),
           ("log_", POS, ()), ("neg_", A, ()), ("reciprocal_", POS, ()), ("relu_", A, ()),
           ("round_", A, ()), ("rsqrt_", POS, ()), ("sigmoid_", A, ()), ("sin_", A, ()),
           ("sinh_", A, ()), ("sqrt_", POS, ()), ("square_", A, ()), ("tan_", UNIT, ()),
           ("tanh_", A, ()), ("trunc_", A, ())]


@pytest.mark.parametrize("name,data,args", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_function(name, data, args):
    xt, xk = _t(torch, data), _t(kindling, data)
    rt, rk = getattr(torch, name)(xt, *args), getattr(kindling, name)(xk, *args)
    assert rk is xk and rt is xt
    _same(xk, xt)
    assert xk._version == xt._version


def test_inplace_function_autograd():
    for lib in (torch, kindling):
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = w * 2
        lib.neg_(y)
        lib.clamp_(y, -1.5, 0.8)
        lib.tanh_(y)
        y.sum().backward()
        if lib is torch:
            gt = w.grad
        else:
            gk = w.grad
    _same(gk, gt)


def test_inplace_function_extras():
    for lib in (torch, kindling):
        x = lib.zeros(5)
        lib.index_put_(x, (lib.tensor([0, 2]),), lib.tensor([1.0, 2.0]), accumulate=True)
        lib.index_put_(x, (lib.tensor([0]),), lib.tensor([1.0]), True)
        y = lib.arange(6.0)
        lib.as_strided_(y, (2, 2), (1, 2))
        z = lib.tensor([1.26, -2.35])
        lib.round_(z, decimals=1)
        f = lib.ones(2)
        lib.fill_(f, lib.tensor(3.0))
        d = (lib.ones(2, requires_grad=True) * 2)
        r = lib.detach_(d)
        if lib is torch:
            out_t = (x, y, z, f, r, d.requires_grad, d.grad_fn is None, y.stride())
        else:
            out_k = (x, y, z, f, r, d.requires_grad, d.grad_fn is None, y.stride())
    _same(out_k, out_t)


def test_inplace_function_errors():
    _raises_same(lambda: kindling.relu_(kindling.ones(2), 1), lambda: torch.relu_(torch.ones(2), 1))
    _raises_same(lambda: kindling.clamp_(kindling.ones(2), "a"),
                 lambda: torch.clamp_(torch.ones(2), "a"))
    _raises_same(lambda: kindling.sqrt_(kindling.ones(2, dtype=kindling.int64)),
                 lambda: torch.sqrt_(torch.ones(2, dtype=torch.int64)))
    leaf_k, leaf_t = kindling.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    _raises_same(lambda: kindling.exp_(leaf_k), lambda: torch.exp_(leaf_t))


def test_functional_relu_inplace():
    for lib in (torch, kindling):
        x = lib.tensor(A.tolist())
        r = lib.nn.functional.relu(x, inplace=True)
        m = lib.nn.ReLU(inplace=True)
        y = lib.tensor(A.tolist())
        m(y)
        if lib is torch:
            t = (r is x, x, y)
        else:
            k = (r is x, x, y)
    _same(k, t)


# ---- settings -----------------------------------------------------------------------------
def test_thread_settings():
    for lib in (torch, kindling):
        n = lib.get_num_threads()
        assert isinstance(n, int) and n >= 1
        lib.set_num_threads(1)
        assert lib.get_num_threads() == 1
        lib.set_num_threads(n)
        assert lib.init_num_threads() is None
    for bad in (0, -2, "a", 1.5):
        _raises_same(lambda: kindling.set_num_threads(bad), lambda: torch.set_num_threads(bad))


def test_deterministic_settings():
    try:
        seen = {}
        for lib in (torch, kindling):
            rows = []
            for mode, warn_only in ((True, False), (True, True), (False, True), (False, False)):
                lib.use_deterministic_algorithms(mode, warn_only=warn_only)
                rows.append((lib.are_deterministic_algorithms_enabled(),
                             lib.is_deterministic_algorithms_warn_only_enabled(),
                             lib.get_deterministic_debug_mode()))
            for m in ("warn", "error", "default", 1, 2, 0):
                lib.set_deterministic_debug_mode(m)
                rows.append((lib.get_deterministic_debug_mode(),
                             lib.are_deterministic_algorithms_enabled()))
            seen[lib] = rows
        assert seen[torch] == seen[kindling]
        for bad in ("x", 3, 1.0, None):
            _raises_same(lambda: kindling.set_deterministic_debug_mode(bad),
                         lambda: torch.set_deterministic_debug_mode(bad))
        _raises_same(lambda: kindling.use_deterministic_algorithms(1),
                     lambda: torch.use_deterministic_algorithms(1))
        for lib in (torch, kindling):
            lib._C._set_deterministic_algorithms(True, warn_only=True)
            assert (lib._C._get_deterministic_algorithms(),
                    lib._C._get_deterministic_algorithms_warn_only()) == (True, True)
    finally:
        torch.use_deterministic_algorithms(False)
        kindling.use_deterministic_algorithms(False)


def test_matmul_precision_and_warn_always():
    try:
        for p in ("high", "medium", "highest"):
            torch.set_float32_matmul_precision(p)
            kindling.set_float32_matmul_precision(p)
            assert kindling.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        with warnings.catch_warnings(record=True) as wt:
            warnings.simplefilter("always")
            torch.set_float32_matmul_precision("x")
        with warnings.catch_warnings(record=True) as wk:
            warnings.simplefilter("always")
            kindling.set_float32_matmul_precision("x")
        assert [str(w.message).split(" (Triggered")[0] for w in wt] == \
            [str(w.message) for w in wk]
        assert kindling.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        for b in (True, False):
            torch.set_warn_always(b)
            kindling.set_warn_always(b)
            assert kindling.is_warn_always_enabled() == torch.is_warn_always_enabled()
        _raises_same(lambda: kindling.set_warn_always(1), lambda: torch.set_warn_always(1))
        _raises_same(lambda: kindling.set_flush_denormal(1), lambda: torch.set_flush_denormal(1))
        assert isinstance(kindling.set_flush_denormal(False), bool)
    finally:
        torch.set_warn_always(False)
        kindling.set_warn_always(False)
        torch.set_float32_matmul_precision("highest")
        kindling.set_float32_matmul_precision("highest")


def test_default_device():
    try:
        for lib in (torch, kindling):
            assert str(lib.get_default_device()) == "cpu"
            lib.set_default_device("meta")
            got = (str(lib.get_default_device()), lib.ones(2).device.type,
                   lib.tensor([1.0]).device.type, lib.arange(3).device.type,
                   lib.zeros(2, device="cpu").device.type, lib.hann_window(4).device.type,
                   lib.ones(2).add(1).device.type)
            lib.set_default_device(None)
            got += (lib.ones(1).device.type, str(lib.get_default_device()))
            if lib is torch:
                t = got
            else:
                k = got
        assert k == t
    finally:
        torch.set_default_device(None)
        kindling.set_default_device(None)


def test_set_default_tensor_type():
    try:
        for lib in (torch, kindling):
            lib.set_warn_always(True)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                lib.set_default_tensor_type("torch.DoubleTensor")
            msgs = [str(x.message).split(" (Triggered")[0] for x in w]
            dt = str(lib.ones(1).dtype)
            lib.set_default_tensor_type(lib.FloatTensor)
            if lib is torch:
                t = (msgs, dt, str(lib.get_default_dtype()))
            else:
                k = (msgs, dt, str(lib.get_default_dtype()))
        assert k == t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for bad in ("torch.IntTensor", 3):
                _raises_same(lambda: kindling.set_default_tensor_type(bad),
                             lambda: torch.set_default_tensor_type(bad))
    finally:
        for lib in (torch, kindling):
            lib.set_default_dtype(lib.float32)
            lib.set_warn_always(False)


def test_small_namespace_functions():
    for lib in (torch, kindling):
        x = lib.ones(2, dtype=lib.uint8)
        r = (lib.get_device(lib.ones(1)), lib.is_signed(x), lib.is_signed(lib.ones(1)),
             lib.is_storage(lib.ones(1).untyped_storage()), lib.is_storage(3),
             lib.compiled_with_cxx11_abi())
        with lib.DisableTorchFunctionSubclass():
            r += (lib._C._is_torch_function_enabled(),)
        with lib.DisableTorchFunction():
            r += (lib._C._is_torch_function_enabled(),)

        class C:
            @lib.classproperty
            def p(cls):
                return cls.__name__
        r += (C.p, C().p)
        if lib is torch:
            t = r
        else:
            k = r
    assert k == t
    _raises_same(lambda: kindling.get_device(1), lambda: torch.get_device(1))
    _raises_same(lambda: kindling.is_signed(1), lambda: torch.is_signed(1))


# ---- functions ----------------------------------------------------------------------------
def test_broadcast_shapes():
    for shapes in [((2,), (3, 1), (1, 1, 1)), ((2, 1),), (3, (2, 1)), (), ([1, 4], (5, 1)),
                   ((0,), (1,))]:
        _same(kindling.broadcast_shapes(*shapes), torch.broadcast_shapes(*shapes))
        assert type(kindling.broadcast_shapes(*shapes)) is kindling.Size
    for shapes in [((2,), (3,)), ((2, 3), (4, 3))]:
        _raises_same(lambda: kindling.broadcast_shapes(*shapes),
                     lambda: torch.broadcast_shapes(*shapes))


def test_unravel_index():
    for idx, shape in [([5, 7], (2, 4)), ([[1234], [5678]], (10, 10, 10, 10)), (3, 5),
                       ([4, 1], [6]), ([-1], (2, 3))]:
        _same(kindling.unravel_index(kindling.tensor(idx), shape),
              torch.unravel_index(torch.tensor(idx), shape))
    for idx, shape in [([1.5], (2,)), ([1], (2, -3)), ([1], (2.0,)), ([1], "ab"), ([True], (2,))]:
        _raises_same(lambda: kindling.unravel_index(kindling.tensor(idx), shape),
                     lambda: torch.unravel_index(torch.tensor(idx), shape))


WINDOWS = [("hann_window", (5,), {}), ("hann_window", (6, False), {}),
           ("hann_window", (1,), {}), ("hann_window", (0,), {}),
           ("hamming_window", (7,), {}), ("hamming_window", (7, False), {}),
           ("hamming_window", (6, True, 0.6), {}), ("hamming_window", (6, False, 0.6, 0.3), {}),
           ("blackman_window", (8,), {}), ("blackman_window", (8, False), {"dtype": "float64"}),
           ("bartlett_window", (7,), {}), ("bartlett_window", (6, False), {}),
           ("bartlett_window", (5,), {"dtype": "float16"}),
           ("kaiser_window", (6,), {}), ("kaiser_window", (6, False), {}),
           ("kaiser_window", (7, True, 3.5), {"dtype": "float64"}), ("kaiser_window", (1,), {}),
           ("hann_window", (4,), {"dtype": "bfloat16"})]


@pytest.mark.parametrize("name,args,kw", WINDOWS, ids=[f"{c[0]}{c[1]}" for c in WINDOWS])
def test_windows(name, args, kw):
    def kws(lib):
        return {k: getattr(lib, v) for k, v in kw.items()}
    rt, rk = getattr(torch, name)(*args, **kws(torch)), getattr(kindling, name)(*args, **kws(kindling))
    tol = 1e-2 if kw.get("dtype") in ("float16", "bfloat16") else 1e-6
    _same(rk, rt, rtol=tol, atol=tol)
    # (their out= overloads are generated: the bindings refuse out=, the ops take it)
    _raises_same(lambda: getattr(kindling, name)(*args, out=kindling.empty(0)),
                 lambda: getattr(torch, name)(*args, out=torch.empty(0)))
    ot, ok = torch.empty(0, **kws(torch)), kindling.empty(0, **kws(kindling))
    packet_t, packet_k = getattr(torch.ops.aten, name), getattr(kindling.ops.aten, name)
    ovl = {1: "out", 2: "periodic_out", 3: "periodic_alpha_out", 4: "periodic_alpha_beta_out"}
    ovl = ovl if name == "hamming_window" else {**ovl, 3: "beta_out"}
    getattr(packet_t, ovl[len(args)])(*args, out=ot)
    getattr(packet_k, ovl[len(args)])(*args, out=ok)
    _same(ok, ot, rtol=tol, atol=tol)


def test_window_errors_and_requires_grad():
    for name in ("hann_window", "kaiser_window", "bartlett_window"):
        _raises_same(lambda: getattr(kindling, name)(-1), lambda: getattr(torch, name)(-1))
        _raises_same(lambda: getattr(kindling, name)(4, dtype=kindling.int64),
                     lambda: getattr(torch, name)(4, dtype=torch.int64))
        _raises_same(lambda: getattr(kindling, name)(4, dtype=kindling.complex64),
                     lambda: getattr(torch, name)(4, dtype=torch.complex64))
    rk, rt = kindling.hann_window(4, requires_grad=True), torch.hann_window(4, requires_grad=True)
    assert rk.requires_grad == rt.requires_grad and rk.is_leaf == rt.is_leaf
    _same(kindling.hann_window(5, device="meta"), torch.hann_window(5, device="meta"))


def test_range():
    for args, kw in [((1, 4), {}), ((0, 1, 0.3), {}), ((0, 3), {"dtype": "int32"}),
                     ((5, 1, -2), {}), ((1, 4), {"dtype": "float64"}), ((0, 3), {"dtype": "uint8"})]:
        res = []
        for lib in (torch, kindling):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                r = lib.range(*args, **{k: getattr(lib, v) for k, v in kw.items()})
            res.append((r, [(x.category, str(x.message)) for x in w]))
        _same(res[1][0], res[0][0])
        assert res[1][1] == res[0][1] and len(res[0][1]) == 1
        ot, ok = torch.empty(0), kindling.empty(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.range(*args, out=ot)
            kindling.range(*args, out=ok)
        _same(ok, ot)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for args, kw in [((1, 4, 0), {}), ((4, 1), {}), ((0, float("inf")), {}),
                         ((0, 3), {"dtype": "bool"})]:
            _raises_same(
                lambda: kindling.range(*args, **{k: getattr(kindling, v) for k, v in kw.items()}),
                lambda: torch.range(*args, **{k: getattr(torch, v) for k, v in kw.items()}))


def test_empty_permuted():
    for size, layout in [((2, 3, 4), (2, 0, 1)), ((2, 3), (0, 1)), ((5,), (0,))]:
        rt, rk = torch.empty_permuted(size, layout), kindling.empty_permuted(size, layout)
        assert rk.shape == rt.shape and rk.stride() == rt.stride() and str(rk.dtype) == str(rt.dtype)
    _raises_same(lambda: kindling.empty_permuted((2,), (0,), out=kindling.empty(0)),
                 lambda: torch.empty_permuted((2,), (0,), out=torch.empty(0)))
    for size, layout in [((2, 3), (0,)), ((2, 3), (0, 0)), ((2, 3), (0, 2))]:
        _raises_same(lambda: kindling.empty_permuted(size, layout),
                     lambda: torch.empty_permuted(size, layout))


def test_frombuffer():
    for kw in [dict(dtype="int32"), dict(dtype="int16", count=2, offset=2),
               dict(dtype="uint8", offset=7), dict(dtype="float32", count=1)]:
        bt, bk = bytearray(range(1, 9)), bytearray(range(1, 9))
        rt = torch.frombuffer(bt, **{**kw, "dtype": getattr(torch, kw["dtype"])})
        rk = kindling.frombuffer(bk, **{**kw, "dtype": getattr(kindling, kw["dtype"])})
        _same(rk, rt)
        rt[0] = 9
        rk[0] = 9
        assert bt == bk  # (memory is shared)
    for kw in [dict(count=3), dict(offset=9), dict(offset=-1), dict(count=0), dict(offset=1)]:
        _raises_same(lambda: kindling.frombuffer(bytearray(8), dtype=kindling.int32, **kw),
                     lambda: torch.frombuffer(bytearray(8), dtype=torch.int32, **kw))
    _raises_same(lambda: kindling.frombuffer([1], dtype=kindling.uint8),
                 lambda: torch.frombuffer([1], dtype=torch.uint8))
    r = kindling.frombuffer(bytearray(8), dtype=kindling.float32, requires_grad=True)
    assert r.requires_grad and r.is_leaf


COPIES = [("select_copy", (1, 2)), ("select_copy", (0, -1)), ("slice_copy", (1, 0, 3, 2)),
          ("slice_copy", ()), ("split_copy", (2, 1)), ("split_copy", (2,)), ("detach_copy", ())]


@pytest.mark.parametrize("name,args", COPIES, ids=[f"{c[0]}{c[1]}" for c in COPIES])
def test_view_copies(name, args):
    xt = torch.tensor(A.tolist(), requires_grad=True)
    xk = kindling.tensor(A.tolist(), requires_grad=True)
    rt, rk = getattr(torch, name)(xt, *args), getattr(kindling, name)(xk, *args)
    _same(rk, rt)
    if name == "detach_copy":  # (PyTorch's result requires grad, with a NotImplemented node)
        assert not rk.requires_grad
        return
    for a, b in zip(rk if isinstance(rk, tuple) else [rk], rt if isinstance(rt, tuple) else [rt]):
        assert a.requires_grad == b.requires_grad and a.is_contiguous()
    if rt[0].requires_grad if isinstance(rt, tuple) else rt.requires_grad:
        (sum(r.sum() for r in rt) if isinstance(rt, tuple) else rt.sum() * 2).backward()
        (sum(r.sum() for r in rk) if isinstance(rk, tuple) else rk.sum() * 2).backward()
        _same(xk.grad, xt.grad)


def test_complex_view_copies():
    for lib in (torch, kindling):
        c = lib.view_as_complex_copy(lib.tensor(A.reshape(6, 2).tolist()))
        r = lib.view_as_real_copy(c)
        o = lib.empty(0, dtype=lib.complex64)
        lib.view_as_complex_copy(lib.tensor(A.reshape(6, 2).tolist()), out=o)
        if lib is torch:
            t = (c.real, c.imag, r, o.real)
        else:
            k = (c.real, c.imag, r, o.real)
    _same(k, t)


# ---- histogram ----------------------------------------------------------------------------
HIST = [((A.reshape(-1),), {}), ((A.reshape(-1), 5), {}), ((A, 4), {"density": True}),
        ((A.reshape(-1), 3), {"range": (-1.0, 1.0)}),
        ((A.reshape(-1), 3), {"weight": POS.reshape(-1)}),
        ((np.array([2.0, 2.0], np.float32), 3), {}), ((np.zeros(0, np.float32), 3), {}),
        ((np.array([1.0, 2, 3, np.nan, 9], np.float32), np.array([0.0, 2, 3], np.float32)),
         {"density": True}),
        ((A.astype(np.float64), np.array([-1.0, 0, 0.5, 2], np.float64)), {})]


def _conv(lib, v):
    return _t(lib, v) if isinstance(v, np.ndarray) else v


@pytest.mark.parametrize("args,kw", HIST, ids=[str(i) for i in range(len(HIST))])
def test_histogram(args, kw):
    rt = torch.histogram(*[_conv(torch, a) for a in args], **{k: _conv(torch, v) for k, v in kw.items()})
    rk = kindling.histogram(*[_conv(kindling, a) for a in args],
                            **{k: _conv(kindling, v) for k, v in kw.items()})
    assert type(rk).__name__ == type(rt).__name__ == "histogram"
    _same(tuple(rk), tuple(rt))
    _same(rk.bin_edges, rt.bin_edges)
    mk = _conv(kindling, args[0]).histogram(*[_conv(kindling, a) for a in args[1:]],
                                            **{k: _conv(kindling, v) for k, v in kw.items()})
    _same(tuple(mk), tuple(rt))
    ht, et, hk, ek = torch.empty(0), torch.empty(0), kindling.empty(0), kindling.empty(0)
    if str(rt.hist.dtype) == "torch.float32":
        torch.histogram(*[_conv(torch, a) for a in args], **{k: _conv(torch, v) for k, v in kw.items()},
                        out=(ht, et))
        kindling.histogram(*[_conv(kindling, a) for a in args],
                           **{k: _conv(kindling, v) for k, v in kw.items()}, out=(hk, ek))
        _same((hk, ek), (ht, et))


HIST_ERRORS = [((np.array([1, 2]), 2), {}), ((np.array([1.0, 2], np.float32), -1), {}),
               ((np.array([1.0, 2], np.float32), 2), {"range": (3.0, 1.0)}),
               ((np.array([1.0, 2], np.float32), 2), {"range": (1.0,)}),
               ((np.array([1.0, 2], np.float32), np.array([[1.0, 2]], np.float32)), {}),
               ((np.array([1.0, 2], np.float32), 2), {"weight": np.ones(3, np.float32)}),
               ((np.array([1.0, 2], np.float32), np.array([1, 2])), {}),
               ((np.array([1.0, 2], np.float32), 2), {"range": (0.0, float("inf"))}),
               ((np.array([1.0, np.nan], np.float32), 2), {}),
               ((np.array([1.0, 2], np.float32), 2), {"weight": np.ones(2)})]


@pytest.mark.parametrize("args,kw", HIST_ERRORS, ids=[str(i) for i in range(len(HIST_ERRORS))])
def test_histogram_errors(args, kw):
    _raises_same(
        lambda: kindling.histogram(*[_conv(kindling, a) for a in args],
                                   **{k: _conv(kindling, v) for k, v in kw.items()}),
        lambda: torch.histogram(*[_conv(torch, a) for a in args],
                                **{k: _conv(torch, v) for k, v in kw.items()}))


def test_histogramdd():
    pts = np.array([[0.0, 1], [1, 0], [2, 0], [2, 2], [0.5, 1.5]], np.float32)
    w = np.array([1.0, 2, 4, 8, 3], np.float32)
    edges = [np.array([0.0, 1.0, 2.0], np.float32), np.array([0.0, 0.5, 1.0, 2.5], np.float32)]
    cases = [((pts, [3, 3]), {"weight": w}), ((pts, 2), {"range": [0.0, 1.0, 0.0, 1.0],
                                                        "density": True}),
             ((pts, [2, 4]), {}), ((pts[:, :1], [4]), {})]
    for args, kw in cases:
        rt = torch.histogramdd(_conv(torch, args[0]), args[1],
                               **{k: _conv(torch, v) for k, v in kw.items()})
        rk = kindling.histogramdd(_conv(kindling, args[0]), args[1],
                                  **{k: _conv(kindling, v) for k, v in kw.items()})
        assert type(rk).__name__ == "histogramdd" and type(rk.bin_edges) is tuple
        _same(rk.hist, rt.hist)
        _same(rk.bin_edges, rt.bin_edges)
    rt = torch.histogramdd(_conv(torch, pts), bins=[_conv(torch, e) for e in edges])
    rk = kindling.histogramdd(_conv(kindling, pts), bins=[_conv(kindling, e) for e in edges])
    _same(tuple(rk), tuple(rt))
    for bad in [((np.array([1.0, 2], np.float32), [2]), {}),
                ((pts, [2]), {}), ((pts, [2, 2]), {"range": [0.0, 1.0]}),
                ((pts, [2, 2]), {"weight": np.ones(1, np.float64)})]:
        (a, b), kw = bad
        _raises_same(lambda: kindling.histogramdd(_conv(kindling, a), b,
                                                  **{k: _conv(kindling, v) for k, v in kw.items()}),
                     lambda: torch.histogramdd(_conv(torch, a), b,
                                               **{k: _conv(torch, v) for k, v in kw.items()}))
    for name, args in [("_histogramdd_bin_edges", ([3, 2],)), ("_histogramdd_from_bin_cts", ([3, 2],))]:
        _same(getattr(kindling.ops.aten, name)(_conv(kindling, pts), *args),
              getattr(torch.ops.aten, name)(_conv(torch, pts), *args))


# ---- small ops ----------------------------------------------------------------------------
def test_isreal():
    for data in ([1 + 0j, 1 + 1j, -2j], A, [1, 2]):
        xt, xk = torch.tensor(data), kindling.tensor(data)
        _same(kindling.isreal(xk), torch.isreal(xt))
        _same(xk.isreal(), xt.isreal())


def test_nonzero_static():
    x = np.array([[1.0, 0, 2], [0, 3, 0]], np.float32)
    for kw in ({"size": 5}, {"size": 1, "fill_value": 7}, {"size": 0}, {"size": 3}):
        _same(kindling.nonzero_static(_t(kindling, x), **kw), torch.nonzero_static(_t(torch, x), **kw))
        _same(_t(kindling, x).nonzero_static(**kw), _t(torch, x).nonzero_static(**kw))
    _same(kindling.nonzero_static(kindling.tensor(3.0), size=2),
          torch.nonzero_static(torch.tensor(3.0), size=2))
    ot, ok = torch.empty(0, dtype=torch.int64), kindling.empty(0, dtype=kindling.int64)
    torch.nonzero_static(_t(torch, x), size=4, out=ot)
    kindling.nonzero_static(_t(kindling, x), size=4, out=ok)
    _same(ok, ot)
    _raises_same(lambda: kindling.nonzero_static(_t(kindling, x), size=-1),
                 lambda: torch.nonzero_static(_t(torch, x), size=-1))
    _raises_same(lambda: kindling.nonzero_static(_t(kindling, x), 2),
                 lambda: torch.nonzero_static(_t(torch, x), 2))


@pytest.mark.parametrize("shape,args", [((3, 4), (5.0,)), ((7, 3), (2.0, True)), ((7, 3), (2,)),
                                        ((2, 2, 2), (2.0,)), ((4, 4), (-1.5, True)),
                                        ((2, 3, 2), (1.0,)), ((2,), (1.0,))])
def test_fill_diagonal_(shape, args):
    def run(lib):
        x = lib.zeros(shape)
        return x, x.fill_diagonal_(*args)
    try:
        xt, rt = run(torch)
    except RuntimeError:
        _raises_same(lambda: run(kindling), lambda: run(torch))
        return
    xk, rk = run(kindling)
    assert rk is xk and xk._version == xt._version
    _same(xk, xt)


def test_fill_diagonal_autograd():
    for lib in (torch, kindling):
        w = lib.tensor(A.tolist(), requires_grad=True)
        y = (w * 3).fill_diagonal_(0.5)
        (y * y).sum().backward()
        if lib is torch:
            t = (y, w.grad)
        else:
            k = (y, w.grad)
    _same(k, t)


def test_is_set_to():
    for lib in (torch, kindling):
        z = lib.ones(4)
        r = (z.is_set_to(z), z.is_set_to(z[:]), z.is_set_to(z.view(2, 2)),
             z.is_set_to(lib.ones(4)), z[1:].is_set_to(z[1:]), z.is_set_to(z.detach()))
        if lib is torch:
            t = r
        else:
            k = r
    assert k == t


NORMS = [("norm_except_dim", ()), ("norm_except_dim", (2, 1)), ("norm_except_dim", (3, -1)),
         ("norm_except_dim", (1, 0)), ("frobenius_norm", ([0, 1],)),
         ("frobenius_norm", ([1], True)), ("nuclear_norm", ()), ("nuclear_norm", (True,))]


@pytest.mark.parametrize("name,args", NORMS, ids=[f"{n}{a}" for n, a in NORMS])
def test_norms(name, args):
    xt = torch.tensor(A.tolist(), requires_grad=True)
    xk = kindling.tensor(A.tolist(), requires_grad=True)
    rt, rk = getattr(torch, name)(xt, *args), getattr(kindling, name)(xk, *args)
    _same(rk, rt, rtol=1e-4, atol=1e-5)
    rt.sum().backward()
    rk.sum().backward()
    _same(xk.grad, xt.grad, rtol=1e-4, atol=1e-5)


def test_norms_extra():
    b = np.abs(RNG.standard_normal((2, 3, 4))).astype(np.float32)
    _same(kindling.norm_except_dim(_t(kindling, b), 2, 1), torch.norm_except_dim(_t(torch, b), 2, 1))
    _same(kindling.nuclear_norm(_t(kindling, b), [1, 2]), torch.nuclear_norm(_t(torch, b), [1, 2]),
          rtol=1e-4)
    _same(kindling.nuclear_norm(_t(kindling, b)), torch.nuclear_norm(_t(torch, b)), rtol=1e-4)
    for name, args in [("frobenius_norm", ([0, 1],)), ("nuclear_norm", ()),
                       ("nuclear_norm", ([0, 1], True))]:
        ot, ok = torch.empty(0), kindling.empty(0)
        getattr(torch, name)(_t(torch, A), *args, out=ot)
        getattr(kindling, name)(_t(kindling, A), *args, out=ok)
        _same(ok, ot, rtol=1e-4)
    _raises_same(lambda: kindling.frobenius_norm(_t(kindling, b), [0, 1, 2]),
                 lambda: torch.frobenius_norm(_t(torch, b), [0, 1, 2]))
    with pytest.raises(NotImplementedError) as et:
        torch.native_norm(_t(torch, A))
    with pytest.raises(NotImplementedError) as ek:
        kindling.native_norm(_t(kindling, A))
    assert str(ek.value).split(".")[0] == str(et.value).split(".")[0]


# ---- Tensor methods -----------------------------------------------------------------------
def test_apply_map():
    for lib in (torch, kindling):
        y = lib.arange(4.0)
        r = [y.apply_(lambda v: v * 2) is y, y.clone()]
        y.map_(lib.tensor([1.0, 2, 3, 4]), lambda a, b: a + b)
        r.append(y.clone())
        y.map2_(lib.ones(4), lib.tensor([0.5]), lambda a, b, c: a * b - c)
        r.append(y.clone())
        i = lib.ones(3, dtype=lib.int32)
        seen = []
        i.apply_(lambda v: seen.append(type(v).__name__) or 2.7)
        c = lib.ones(2, dtype=lib.complex64).apply_(lambda v: v * 1j)
        r += [i, seen, c.real, c.imag]
        if lib is torch:
            t = r
        else:
            k = r
    _same(k[:4] + [k[4]] + k[6:], t[:4] + [t[4]] + t[6:])
    assert k[5] == t[5]
    cases = [(lambda L: L.ones(2, requires_grad=True).apply_(lambda v: v)),
             (lambda L: L.ones(2).apply_(1)),
             (lambda L: L.ones(4).map_(L.ones(3), lambda a, b: a)),
             (lambda L: L.ones(2).apply_(lambda v: "a")),
             (lambda L: L.ones(2, dtype=L.int32).apply_(lambda v: "a")),
             (lambda L: L.ones(4).map_(1, lambda a, b: a)),
             (lambda L: L.ones(4).map_(L.ones(4, dtype=L.int64), lambda a, b: a)),
             (lambda L: L.ones(4).map_(L.ones(4, requires_grad=True), lambda a, b: a)),
             (lambda L: L.ones(4).map2_(1, L.ones(1), lambda a, b, c: a)),
             (lambda L: L.ones(4).map2_(L.ones(4), L.ones(4, dtype=L.float64), lambda a, b, c: a)),
             (lambda L: L.ones(2, requires_grad=True).map2_(L.ones(2), L.ones(2), lambda *a: 1))]
    for case in cases:
        _raises_same(lambda: case(kindling), lambda: case(torch))


def test_memory_methods_and_flags():
    for lib in (torch, kindling):
        x = lib.ones(2, 3)
        z = lib.ones(3)
        r = (x.name, x.is_pinned(), x.is_shared(), x.const_data_ptr() == x.data_ptr(),
             x.is_xpu, x.is_mps, x.is_ipu, x.is_mtia, x.is_xla, x.is_vulkan, x.is_maia,
             z.share_memory_() is z, z.is_shared(), z[1:].is_shared())
        if lib is torch:
            t = r
        else:
            k = r
    assert k == t
    _raises_same(lambda: kindling.ones(2).pin_memory(), lambda: torch.ones(2).pin_memory())
    _raises_same(lambda: setattr(kindling.ones(2), "name", "a"),
                 lambda: setattr(torch.ones(2), "name", "a"))


def _dim_order_cases(lib):
    return [lib.empty(2, 3, 4).permute(2, 0, 1), lib.empty(2, 3, 4),
            lib.empty(2, 3, 4, 5).transpose(1, 2),
            lib.empty(2, 3, 4, 5).contiguous(memory_format=lib.channels_last),
            lib.empty(1, 2, 3, 4), lib.empty(3, 1, 4).transpose(0, 2),
            lib.empty(4).expand(3, 4), lib.empty(()), lib.empty(5, 4)[:, ::2]]


@pytest.mark.parametrize("i", range(9))
def test_dim_order(i):
    xt, xk = _dim_order_cases(torch)[i], _dim_order_cases(kindling)[i]
    for kw in ({}, {"ambiguity_check": True},
               {"ambiguity_check": [torch.contiguous_format, torch.channels_last]}):
        kk = dict(kw)
        if isinstance(kw.get("ambiguity_check"), list):
            kk["ambiguity_check"] = [kindling.contiguous_format, kindling.channels_last]
        try:
            t = xt.dim_order(**kw)
        except RuntimeError:
            _raises_same(lambda: xk.dim_order(**kk), lambda: xt.dim_order(**kw))
            continue
        assert xk.dim_order(**kk) == t
    _raises_same(lambda: xk.dim_order(ambiguity_check="x"), lambda: xt.dim_order(ambiguity_check="x"))


def test_resize_as_and_module_load():
    for lib in (torch, kindling):
        w = lib.tensor(A.tolist(), requires_grad=True)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            r = w.resize_as(lib.ones(12))
        (r * lib.arange(12.0)).sum().backward()
        a, b = lib.zeros(2), lib.ones(2, requires_grad=True)
        m1 = a.module_load(b)
        m2 = a.module_load(b, assign=True)
        got = (r.shape, w.grad, [str(x.message) for x in rec], m1, m1 is a, m1.requires_grad,
               m2 is b, m2.requires_grad, a)
        if lib is torch:
            t = got
        else:
            k = got
    assert tuple(k[0]) == tuple(t[0]) and k[2] == t[2] and k[4:8] == t[4:8]
    _same(k[1], t[1])
    _same(k[3], t[3])
    _same(k[8], t[8])


def test_removed_functions():
    x_t, x_k = torch.eye(2), kindling.eye(2)
    for name, n in [("solve", 2), ("eig", 1), ("lstsq", 2), ("matrix_rank", 1), ("symeig", 1)]:
        _raises_same(lambda: getattr(kindling, name)(*[x_k] * n),
                     lambda: getattr(torch, name)(*[x_t] * n))
        if name != "matrix_rank":
            _raises_same(lambda: getattr(x_k, name)(*[x_k] * (n - 1)),
                         lambda: getattr(x_t, name)(*[x_t] * (n - 1)))
    assert kindling.is_vulkan_available() == torch.is_vulkan_available()
    assert kindling.is_distributed(x_k) == torch.is_distributed(x_t)


def test_device_context_manager():
    for lib in (torch, kindling):
        with lib.device("meta") as d:
            r = (str(d), lib.ones(2).device.type, lib.empty(1, device="cpu").device.type,
                 str(lib.get_default_device()), lib.kaiser_window(3).device.type)
        r += (lib.ones(1).device.type, str(lib.get_default_device()))
        if lib is torch:
            t = r
        else:
            k = r
    assert k == t


PARSER_ERRORS = [
    lambda L: L.frombuffer(bytearray(4)),
    lambda L: L.frombuffer(bytearray(4), dtype=L.int32, count=1.5),
    lambda L: L.range(1), lambda L: L.range(1, "a"), lambda L: L.range(1, 2, "x"),
    lambda L: L.hann_window(3.5), lambda L: L.histogram(L.ones(3), bins="a"),
    lambda L: L.get_device(), lambda L: L.is_signed(L.ones(1), 1), lambda L: L.isreal(1),
    lambda L: L.nonzero_static(L.ones(2)), lambda L: L.detach_(1),
    lambda L: L.use_deterministic_algorithms(True, warn_only=1),
    lambda L: L.norm_except_dim(L.ones(2, 3), 2, 5), lambda L: L.fill_(L.ones(2), "a"),
    lambda L: L.frobenius_norm(L.ones(2, 3)), lambda L: L.relu_(),
]


@pytest.mark.parametrize("i", range(len(PARSER_ERRORS)))
def test_argument_errors(i):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_same(lambda: PARSER_ERRORS[i](kindling), lambda: PARSER_ERRORS[i](torch))


def test_torch_function_modes_see_what_pytorch_shows():
    def calls(L):
        x = L.ones(2, 2)
        return [lambda: L.relu_(x), lambda: L.clip_(x, 0, 1), lambda: L.hann_window(3),
                lambda: L.histogram(x, 2), lambda: x.isreal(), lambda: x.fill_diagonal_(1),
                lambda: L.get_device(x), lambda: L.unravel_index(L.tensor([1]), (2, 2)),
                lambda: x.dim_order(), lambda: L.nonzero_static(x, size=1),
                lambda: L.range(0, 2), lambda: L.select_copy(x, 0, 0),
                lambda: L.frombuffer(bytearray(4), dtype=L.uint8),
                lambda: L.broadcast_shapes((1,), (2,)), lambda: L.histogramdd(x, 2),
                lambda: x.share_memory_(), lambda: L.detach_(x.clone()),
                lambda: L.nuclear_norm(x)]

    def logs(L, overrides):
        out = []
        for c in calls(L):
            log = []

            class M(overrides.TorchFunctionMode):
                def __torch_function__(self, func, types, args=(), kwargs=None):
                    log.append(getattr(func, "__name__", str(func)))
                    return func(*args, **(kwargs or {}))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with M():
                    c()
            out.append(log)
        return out
    import kindling.overrides
    import torch.overrides
    assert logs(kindling, kindling.overrides) == logs(torch, torch.overrides)


def test_lobpcg():
    rng = np.random.default_rng(3)
    M = rng.standard_normal((18, 18))
    a = M @ M.T + 18 * np.eye(18)
    Bm = rng.standard_normal((18, 18))
    b = Bm @ Bm.T / 18 + np.eye(18)
    for dt, tol in (("float64", 1e-6), ("float32", 2e-3)):
        # (PyTorch's iterations are slow: a few dozen suffice on these well-separated spectra)
        for kw in ({"k": 2, "niter": 20}, {"k": 3, "largest": False, "niter": 20},
                   {"k": 2, "B": b, "niter": 20}, {"k": 1, "n": 2, "niter": 20}):
            res = []
            for lib in (torch, kindling):
                lib.manual_seed(0)
                args = {k: (lib.tensor(v.tolist(), dtype=getattr(lib, dt))
                            if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
                res.append(lib.lobpcg(lib.tensor(a.tolist(), dtype=getattr(lib, dt)), **args))
            (et, xt), (ek, xk) = res
            _same(ek, et, rtol=tol, atol=tol)
            _same(xk.abs(), xt.abs(), rtol=50 * tol, atol=50 * tol)  # (up to each vector's sign)
    batch = np.stack([a, a + np.eye(18)])
    et, xt = torch.lobpcg(torch.tensor(batch.tolist(), dtype=torch.float64), k=2, niter=20)
    ek, xk = kindling.lobpcg(kindling.tensor(batch.tolist(), dtype=kindling.float64), k=2,
                             niter=20)
    _same(ek, et, rtol=1e-6)
    assert tuple(xk.shape) == tuple(xt.shape)
    _raises_same(lambda: kindling.lobpcg(kindling.eye(5), k=2), lambda: torch.lobpcg(torch.eye(5), k=2))
    _raises_same(lambda: kindling.lobpcg(kindling.ones(6, 5)), lambda: torch.lobpcg(torch.ones(6, 5)))
