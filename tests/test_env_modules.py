"""kindling.cuda / backends / mps / xpu / mtia / accelerator / cpu / version / multiprocessing:
every call compared with PyTorch's CPU build (result, or exception type and message, and the
warnings it emits)."""
import enum
import subprocess
import sys
import types
import warnings

import pytest

import kindling

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _torch_flags_unfrozen():
    """Importing PyTorch's own test utilities (other test files do, for its OpInfo database)
    freezes torch.backends' global flags (``disable_global_flags``): each test here starts
    with torch's flags mutable, as kindling's are, and puts torch's state back."""
    g = torch.backends.disable_global_flags.__globals__
    before = g["__allow_nonbracketed_mutation_flag"]
    g["__allow_nonbracketed_mutation_flag"] = True
    try:
        yield
    finally:
        g["__allow_nonbracketed_mutation_flag"] = before

if torch.cuda.is_available() or torch.version.cuda is not None:
    pytest.skip("the oracle must be PyTorch's CPU-only build", allow_module_level=True)


def _norm(value):
    """A comparable form of a result: plain data as is, containers element-wise, enums by
    name, other objects by their class name."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum) or hasattr(type(value), "__members__"):
        return ("enum", str(value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [_norm(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(value))
    if isinstance(value, dict):
        return (type(value).__name__, {k: _norm(v) for k, v in value.items()})
    if isinstance(value, types.ModuleType):
        return ("module", value.__name__.replace("kindling", "torch"))
    return ("object", type(value).__name__)


def outcome(mod, code):
    """Run ``code`` (an expression, or statements ending in ``result = ...``) with ``torch``
    bound to ``mod``; returns what happened."""
    ns = {"torch": mod}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if "\n" in code or code.startswith("result ="):
                exec(code, ns)
                got = ("ok", _norm(ns.get("result")))
            else:
                got = ("ok", _norm(eval(code, ns)))
        except Exception as e:  # noqa: BLE001
            got = ("raise", type(e).__name__, str(e))
    # (C++ warnings name their source line; kindling's have none)
    return got, [(w.category.__name__, str(w.message).split(" (Triggered internally at")[0])
                 for w in caught]


def same(code):
    k, t = outcome(kindling, code), outcome(torch, code)
    assert k == t, f"{code}\nkindling: {k}\ntorch:    {t}"


CUDA_CALLS = [
    "torch.cuda.is_available()", "torch.cuda.device_count()", "torch.cuda.is_initialized()",
    "torch.cuda.init()", "torch.cuda._lazy_init()", "torch.cuda.current_device()",
    "torch.cuda.set_device(-1)", "torch.cuda.set_device(0)", "torch.cuda.set_device('cuda:1')",
    "torch.cuda.set_device('cpu')", "torch.cuda.synchronize()", "torch.cuda.synchronize('cuda:0')",
    "torch.cuda.get_device_name()", "torch.cuda.get_device_name(0)",
    "torch.cuda.get_device_capability('cuda')", "torch.cuda.get_device_properties(0)",
    "torch.cuda.can_device_access_peer(0, 1)", "torch.cuda.ipc_collect()", "torch.cuda.cudart()",
    "torch.cuda.current_blas_handle()", "torch.cuda.get_sync_debug_mode()",
    "torch.cuda.set_sync_debug_mode(0)", "torch.cuda.is_bf16_supported()",
    "torch.cuda.is_bf16_supported(False)", "torch.cuda.is_tf32_supported()",
    "torch.cuda.get_arch_list()", "torch.cuda.get_gencode_flags()", "torch.cuda.has_half",
    "torch.cuda.has_magma", "torch.cuda.default_generators",
    "torch.cuda.list_gpu_processes()", "torch.cuda.utilization()", "torch.cuda.temperature()",
    # random
    "torch.cuda.manual_seed(3)", "torch.cuda.manual_seed_all(3)", "torch.cuda.manual_seed('a')",
    "torch.cuda.seed()", "torch.cuda.seed_all()", "torch.cuda.initial_seed()",
    "torch.cuda.get_rng_state()", "torch.cuda.get_rng_state(0)", "torch.cuda.get_rng_state_all()",
    "torch.cuda.set_rng_state(torch.get_rng_state())", "torch.cuda.set_rng_state(5)",
    "torch.cuda.set_rng_state_all([])", "torch.cuda.set_rng_state_all([torch.get_rng_state()])",
    # memory
    "torch.cuda.empty_cache()", "torch.cuda.memory_allocated()", "torch.cuda.memory_allocated(0)",
    "torch.cuda.memory_allocated('cuda:0')", "torch.cuda.memory_reserved()",
    "torch.cuda.max_memory_allocated()", "torch.cuda.max_memory_reserved()",
    "torch.cuda.memory_cached()", "torch.cuda.max_memory_cached()", "torch.cuda.memory_stats()",
    "torch.cuda.memory_stats_as_nested_dict()", "torch.cuda.host_memory_stats()",
    "torch.cuda.memory_summary()", "torch.cuda.reset_peak_memory_stats()",
    "torch.cuda.reset_peak_memory_stats(0)", "torch.cuda.reset_max_memory_allocated()",
    "torch.cuda.reset_accumulated_memory_stats()", "torch.cuda.memory_snapshot()",
    "torch.cuda.mem_get_info()", "torch.cuda.mem_get_info(0)",
    "torch.cuda.set_per_process_memory_fraction(0.5)",
    "torch.cuda.get_per_process_memory_fraction()", "torch.cuda.caching_allocator_alloc(10)",
    "torch.cuda.caching_allocator_delete(0)",
    # devices, streams, events, graphs
    "torch.cuda.device(0)", "torch.cuda.device(-1).__enter__()", "torch.cuda.device(0).__enter__()",
    "torch.cuda.device(None).__enter__()", "torch.cuda.device('cuda').__enter__()",
    "torch.cuda.device('cpu')", "torch.cuda.device(1).__exit__(None, None, None)",
    "torch.cuda.device_of(torch.ones(2)).__enter__()",
    "torch.cuda.Stream()", "torch.cuda.Stream(priority=-1)", "torch.cuda.ExternalStream(0)",
    "torch.cuda.Event()", "torch.cuda.Event(enable_timing=True)", "torch.cuda.stream(None)",
    "torch.cuda.stream(None).__enter__()", "torch.cuda.set_stream(None)",
    "torch.cuda.current_stream()", "torch.cuda.default_stream()",
    "torch.cuda.is_current_stream_capturing()", "torch.cuda.graph_pool_handle()",
    "torch.cuda.CUDAGraph()", "torch.cuda.MemPool()", "torch.cuda.graph(None)",
    # legacy types, errors
    "torch.cuda.FloatTensor()", "torch.cuda.LongTensor([1])",
    "isinstance(torch.ones(1), torch.cuda.FloatTensor)", "torch.cuda.FloatTensor.is_cuda",
    "str(torch.cuda.DoubleTensor.dtype)", "repr(torch.cuda.HalfTensor)",
    "issubclass(torch.cuda.OutOfMemoryError, RuntimeError)",
    "issubclass(torch.cuda.CudaError, RuntimeError)",
    # storages, allocator, module paths
    "torch.storage._reset_warn_typed_storage_removal()\nresult = torch.cuda.FloatStorage(2)",
    "torch.storage._reset_warn_typed_storage_removal()\nresult = torch.cuda.BFloat16Storage()",
    "isinstance(torch.ones(1).untyped_storage(), torch.cuda.ByteStorage)",
    "repr(torch.cuda.LongStorage)", "torch.cuda.cudaStatus.ERROR_NOT_READY",
    "torch.cuda.check_error(0)", "torch.cuda.caching_allocator_enable()",
    "torch.cuda.caching_allocator_disabled().__enter__()", "torch.cuda.get_allocator_backend()",
    "torch.cuda.change_current_allocator(None)", "torch.cuda.reset_peak_host_memory_stats()",
    "torch.cuda.reset_accumulated_host_memory_stats()", "torch.cuda.memory.memory_allocated()",
    "torch.cuda.memory.memory_stats()", "torch.cuda.random.manual_seed_all(1)",
    "torch.cuda.random.get_rng_state_all()", "repr(torch.cuda.streams.Stream)",
    "torch.cuda.streams.Event()", "torch.cuda.graphs.graph_pool_handle()",
    # amp, nvtx
    "torch.cuda.amp.autocast()", "torch.cuda.amp.autocast(enabled=False)",
    "torch.cuda.amp.GradScaler()", "torch.cuda.amp.GradScaler(enabled=False).is_enabled()",
    "torch.cuda.amp.GradScaler(enabled=False).get_scale()",
    "torch.cuda.amp.GradScaler(enabled=False).state_dict()",
    "torch.cuda.amp.GradScaler(enabled=False).scale(7)",
    "torch.cuda.amp.custom_fwd(len).__name__", "torch.cuda.amp.custom_bwd(len).__name__",
    "torch.cuda.amp.custom_fwd(cast_inputs=torch.float32)(len).__name__",
    "torch.cuda.nvtx.range_push('a')", "torch.cuda.nvtx.range_pop()", "torch.cuda.nvtx.mark('a')",
    "torch.cuda.nvtx.range('a').__enter__()", "torch.cuda.nvtx.range_start('a')",
    "torch.cuda.nvtx.range_end(0)",
]


@pytest.mark.parametrize("code", CUDA_CALLS)
def test_cuda(code):
    same(code)


def test_cuda_autocast_region_is_disabled():
    same("with torch.cuda.amp.autocast():\n"
         "    result = (torch.is_autocast_enabled('cuda'),\n"
         "              str((torch.ones(2, 2) @ torch.ones(2, 2)).dtype))")


def test_cuda_grad_scaler_step_calls_optimizer():
    same("class Opt:\n"
         "    calls = []\n"
         "    def step(self, *a, **k):\n"
         "        self.calls.append((a, k)); return 'stepped'\n"
         "s = torch.cuda.amp.GradScaler()\n"
         "o = Opt()\n"
         "r = s.step(o, 1, x=2)\n"
         "s.update(); s.unscale_(o)\n"
         "result = (r, o.calls, s.get_scale(), s.is_enabled())")


def test_device_pattern_picks_cpu():
    same("d = 'cuda' if torch.cuda.is_available() else 'cpu'\n"
         "result = (d, str(torch.ones(2, device=d).device))")


BACKEND_CALLS = [
    "torch.backends.cudnn.is_available()", "torch.backends.cudnn.version()",
    "torch.backends.cudnn.enabled", "torch.backends.cudnn.benchmark",
    "torch.backends.cudnn.deterministic", "torch.backends.cudnn.allow_tf32",
    "torch.backends.cudnn.benchmark_limit", "torch.backends.cudnn.fp32_precision",
    "torch.backends.cudnn.conv.fp32_precision", "torch.backends.cudnn.is_acceptable(torch.ones(1))",
    "torch.backends.cudnn.is_acceptable(5)", "torch.backends.cudnn.flags()",
    "torch.backends.cudnn.flags().__enter__()",
    "torch.backends.cuda.is_built()", "torch.backends.cuda.matmul.allow_tf32",
    "torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction",
    "torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction",
    "torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction_split_k",
    "torch.backends.cuda.matmul.allow_fp16_accumulation",
    "torch.backends.cuda.matmul.fp32_precision",
    "torch.backends.cuda.matmul.foo", "torch.backends.cuda.preferred_linalg_library()",
    "torch.backends.cuda.preferred_linalg_library('bad')",
    "torch.backends.cuda.preferred_linalg_library(5)",
    "torch.backends.cuda.preferred_blas_library()",
    "torch.backends.cuda.preferred_blas_library('cublaslt')",
    "torch.backends.cuda.preferred_rocm_fa_library()",
    "torch.backends.cuda.flash_sdp_enabled()", "torch.backends.cuda.math_sdp_enabled()",
    "torch.backends.cuda.mem_efficient_sdp_enabled()", "torch.backends.cuda.cudnn_sdp_enabled()",
    "torch.backends.cuda.fp16_bf16_reduction_math_sdp_allowed()",
    "torch.backends.cuda.is_flash_attention_available()",
    "torch.backends.cuda.is_ck_sdpa_available()", "torch.backends.cuda.sdp_kernel()",
    "torch.backends.cuda.cufft_plan_cache.max_size", "torch.backends.cuda.cufft_plan_cache[0]",
    "torch.backends.cuda.cublas_workspace_size()", "torch.backends.cuda.blas_workspace_size()",
    "torch.backends.mps.is_available()", "torch.backends.mps.is_built()",
    "torch.backends.mps.get_name()", "torch.backends.mps.get_core_count()",
    "torch.backends.mps.is_macos13_or_newer()",
    "torch.backends.mkldnn.is_available()", "torch.backends.mkldnn.enabled",
    "torch.backends.mkldnn.deterministic", "torch.backends.mkldnn.allow_tf32",
    "torch.backends.mkldnn.set_flags(_allow_tf32=False)",
    "torch.backends.mkldnn.fp32_precision", "torch.backends.mkldnn.matmul.fp32_precision",
    "torch.backends.mkldnn.flags()", "torch.backends.mkldnn.verbose(0).__enter__()",
    "torch.backends.mkl.is_available()", "torch.backends.mkl.verbose(1).__enter__()",
    "torch.backends.openmp.is_available()", "torch.backends.cpu.get_cpu_capability()",
    "torch.backends.opt_einsum.is_available()", "torch.backends.opt_einsum.get_opt_einsum()",
    "torch.backends.opt_einsum.enabled", "torch.backends.opt_einsum.strategy",
    "torch.backends.opt_einsum.flags(enabled=True).__enter__()",
    "torch.backends.quantized.engine", "torch.backends.quantized.supported_engines",
    "torch.backends.mha.get_fastpath_enabled()", "torch.backends.nnpack.is_available()",
    "torch.backends.kleidiai.is_available()", "torch.backends.cusparselt.is_available()",
    "torch.backends.cusparselt.version()", "torch.backends.miopen.immediate",
    "torch.backends.fp32_precision", "torch.backends.flags_frozen()",
]


@pytest.mark.parametrize("code", BACKEND_CALLS)
def test_backends(code):
    same(code)


# (each: set, read back, restore - run on both libraries)
BACKEND_SETTINGS = [
    ("torch.backends.cudnn", "benchmark", [True, 1]),
    ("torch.backends.cudnn", "deterministic", [True, 1]),
    ("torch.backends.cudnn", "enabled", [False, 0]),
    ("torch.backends.cudnn", "allow_tf32", [False, 1]),
    ("torch.backends.cudnn", "benchmark_limit", [5]),
    ("torch.backends.cuda.matmul", "allow_tf32", [True, False, 1]),
    ("torch.backends.cuda.matmul", "allow_fp16_reduced_precision_reduction",
     [False, (False, False), [True], 1, (), (True, True, True), (1,)]),
    ("torch.backends.cuda.matmul", "allow_bf16_reduced_precision_reduction", [(False,)]),
    ("torch.backends.cuda.matmul", "fp32_precision", ["ieee", "tf32", "bad"]),
    ("torch.backends.cuda.matmul", "foo", [1]),
    ("torch.backends.mkldnn", "enabled", [False, 1]),
    ("torch.backends.mkldnn", "deterministic", [True]),
    ("torch.backends.mkldnn", "allow_tf32", [True, False]),
    ("torch.backends.quantized", "engine", ["qnnpack", "fbgemm", "bad"]),
    ("torch.backends.opt_einsum", "strategy", ["greedy"]),
    ("torch.backends.opt_einsum", "enabled", [True]),
    ("torch.backends.cudnn.conv", "fp32_precision", ["ieee", "none", "bad"]),
]


@pytest.mark.parametrize("owner,attr,values", BACKEND_SETTINGS)
def test_backend_settings(owner, attr, values):
    for value in values:
        same(f"o = {owner}\n"
             f"old = getattr(o, {attr!r}, None)\n"
             "try:\n"
             f"    setattr(o, {attr!r}, {value!r})\n"
             f"    result = getattr(o, {attr!r})\n"
             "finally:\n"
             f"    if old is not None: setattr(o, {attr!r}, old)\n")


def test_backend_flags_context_managers():
    same("seen = []\n"
         "with torch.backends.cudnn.flags(enabled=False, benchmark=True, deterministic=True):\n"
         "    seen.append((torch.backends.cudnn.enabled, torch.backends.cudnn.benchmark,\n"
         "                 torch.backends.cudnn.deterministic, torch.backends.cudnn.allow_tf32))\n"
         "seen.append((torch.backends.cudnn.enabled, torch.backends.cudnn.benchmark))\n"
         "with torch.backends.mkldnn.flags(enabled=False):\n"
         "    seen.append(torch.backends.mkldnn.enabled)\n"
         "seen.append(torch.backends.mkldnn.enabled)\n"
         "with torch.backends.cuda.sdp_kernel(enable_flash=False):\n"
         "    seen.append(torch.backends.cuda.flash_sdp_enabled())\n"
         "seen.append(torch.backends.cuda.flash_sdp_enabled())\n"
         "result = seen")


def test_cudnn_legacy_and_per_op_tf32_flags():
    same("c = torch.backends.cudnn\n"
         "seen = []\n"
         "try:\n"
         "    c.allow_tf32 = False\n"
         "    seen.append((c.conv.fp32_precision, c.rnn.fp32_precision, c.allow_tf32))\n"
         "finally:\n"
         "    c.allow_tf32 = True\n"
         "seen.append((c.conv.fp32_precision, c.rnn.fp32_precision))\n"
         "seen.append(c.allow_tf32)\n"
         "result = seen")


def test_preferred_libraries():
    same("b = torch.backends.cuda\n"
         "seen = []\n"
         "for f, name in [(b.preferred_linalg_library, 'magma'),\n"
         "                (b.preferred_linalg_library, 'cusolver'),\n"
         "                (b.preferred_blas_library, 'cublaslt'), (b.preferred_blas_library, 'ck'),\n"
         "                (b.preferred_blas_library, 'default')]:\n"
         "    try:\n"
         "        f(name)\n"
         "    except RuntimeError as e:\n"
         "        seen.append(str(e))\n"
         "    seen.append(str(f()))\n"
         "b.preferred_linalg_library('default')\n"
         "result = seen")


def test_backend_flag_functions():
    same("torch.backends.cuda.enable_flash_sdp(False)\n"
         "torch.backends.cuda.enable_math_sdp(False)\n"
         "torch.backends.mha.set_fastpath_enabled(False)\n"
         "result = [torch.backends.cuda.flash_sdp_enabled(),\n"
         "          torch.backends.cuda.math_sdp_enabled(),\n"
         "          torch.backends.mha.get_fastpath_enabled()]\n"
         "torch.backends.cuda.enable_flash_sdp(True)\n"
         "torch.backends.cuda.enable_math_sdp(True)\n"
         "torch.backends.mha.set_fastpath_enabled(True)\n")


def test_disable_global_flags():
    same("b = torch.backends\n"
         "b.disable_global_flags()\n"
         "try:\n"
         "    try:\n"
         "        b.cudnn.benchmark = True\n"
         "        result = 'set'\n"
         "    except RuntimeError as e:\n"
         "        result = (str(e), b.flags_frozen())\n"
         "    with b.cudnn.flags(benchmark=True):\n"
         "        result = (result, b.cudnn.benchmark)\n"
         "    result = (result, b.cudnn.benchmark)\n"
         "finally:\n"
         "    pass\n")
    # (unfreeze both libraries for the other tests)
    kindling.backends._mutation_allowed[0] = True
    torch.backends.disable_global_flags.__globals__["__allow_nonbracketed_mutation_flag"] = True
    assert not kindling.backends.flags_frozen() and not torch.backends.flags_frozen()


OTHER_CALLS = [
    # mps
    "torch.mps.is_available()", "torch.mps.device_count()", "torch.mps.synchronize()",
    "torch.mps.get_rng_state()", "torch.mps.set_rng_state(torch.get_rng_state())",
    "torch.mps.manual_seed(1)", "torch.mps.seed()", "torch.mps.empty_cache()",
    "torch.mps.set_per_process_memory_fraction(0.5)", "torch.mps.current_allocated_memory()",
    "torch.mps.driver_allocated_memory()", "torch.mps.recommended_max_memory()",
    "torch.mps.compile_shader('')",
    "torch.mps.profiler.start()",
    "torch.mps.profiler.stop()", "torch.mps.profiler.profile().__enter__()",
    "torch.mps.profiler.is_capturing_metal()", "torch.mps.profiler.is_metal_capture_enabled()",
    # xpu
    "torch.xpu.is_available()", "torch.xpu.device_count()", "torch.xpu.is_initialized()",
    "torch.xpu.init()", "torch.xpu.current_device()", "torch.xpu.set_device(0)",
    "torch.xpu.set_device(-1)", "torch.xpu.synchronize()", "torch.xpu.get_device_name()",
    "torch.xpu.get_device_capability()", "torch.xpu.get_device_properties()",
    "torch.xpu.manual_seed(1)", "torch.xpu.manual_seed_all(1)", "torch.xpu.seed()",
    "torch.xpu.seed_all()", "torch.xpu.initial_seed()", "torch.xpu.get_rng_state()",
    "torch.xpu.get_rng_state_all()", "torch.xpu.set_rng_state(torch.get_rng_state())",
    "torch.xpu.set_rng_state_all([])", "torch.xpu.empty_cache()", "torch.xpu.memory_allocated()",
    "torch.xpu.max_memory_allocated()", "torch.xpu.memory_reserved()",
    "torch.xpu.max_memory_reserved()", "torch.xpu.memory_stats()", "torch.xpu.memory_snapshot()",
    "torch.xpu.reset_peak_memory_stats()", "torch.xpu.reset_accumulated_memory_stats()",
    "torch.xpu.mem_get_info()", "torch.xpu.set_per_process_memory_fraction(0.5)",
    "torch.xpu.is_bf16_supported()", "torch.xpu.is_tf32_supported()", "torch.xpu.get_arch_list()",
    "torch.xpu.get_gencode_flags()", "torch.xpu.Stream()", "torch.xpu.Event()",
    "torch.xpu.current_stream()", "torch.xpu.stream(None).__enter__()",
    "torch.xpu.set_stream(None)",
    "torch.xpu.device(0).__enter__()", "torch.xpu.device(-1).__enter__()",
    "torch.xpu.device('cpu')", "torch.xpu.can_device_access_peer(0, 1)",
    "torch.xpu.default_generators", "torch.xpu.temperature()", "torch.xpu.utilization()",
    "torch.xpu.clock_rate()", "torch.xpu.get_stream_from_external(0)",
    "torch.xpu.is_current_stream_capturing()", "torch.xpu.graph_pool_handle()",
    "torch.xpu.XPUGraph()", "torch.xpu.MemPool()", "torch.xpu.graph(None)",
    # mtia
    "torch.mtia.is_available()", "torch.mtia.device_count()", "torch.mtia.is_initialized()",
    "torch.mtia.init()", "torch.mtia.current_device()", "torch.mtia.set_device(0)",
    "torch.mtia.synchronize()", "torch.mtia.manual_seed(1)", "torch.mtia.manual_seed_all(1)",
    "torch.mtia.seed()", "torch.mtia.initial_seed()", "torch.mtia.get_rng_state()",
    "torch.mtia.get_rng_state_all()", "torch.mtia.set_rng_state(torch.get_rng_state())",
    "torch.mtia.set_rng_state_all([])", "torch.mtia.empty_cache()", "torch.mtia.memory_stats()",
    "torch.mtia.memory_allocated()", "torch.mtia.max_memory_allocated()",
    "torch.mtia.reset_peak_memory_stats()", "torch.mtia.is_bf16_supported()",
    "torch.mtia.get_device_capability()", "torch.mtia.current_stream()",
    "torch.mtia.set_stream(None)", "torch.mtia.is_fbcode()", "torch.mtia.is_prod()",
    "torch.mtia.graph_pool_handle()", "torch.mtia.snapshot()",
    "torch.mtia.record_memory_history()", "torch.mtia.device(0)",
    "torch.mtia.device(0).__enter__()", "torch.mtia.device(-1).__enter__()",
    "torch.mtia.stream(None)", "torch.mtia.StreamContext(None)",
    "issubclass(torch.mtia.DeferredMtiaCallError, Exception)",
    # accelerator
    "torch.accelerator.is_available()", "torch.accelerator.device_count()",
    "torch.accelerator.current_accelerator()", "torch.accelerator.current_accelerator(True)",
    "torch.accelerator.current_device_index()", "torch.accelerator.current_device_idx()",
    "torch.accelerator.set_device_index(0)", "torch.accelerator.set_device_idx(0)",
    "torch.accelerator.current_stream()", "torch.accelerator.synchronize()",
    "torch.accelerator.empty_cache()", "torch.accelerator.memory_allocated()",
    "torch.accelerator.max_memory_allocated()", "torch.accelerator.memory_reserved()",
    "torch.accelerator.memory_stats()", "torch.accelerator.reset_peak_memory_stats()",
    "torch.accelerator.get_memory_info()", "torch.accelerator.get_device_capability()",
    "torch.accelerator.device_index(None).__enter__()",
    "torch.accelerator.device_index(0).__enter__()",
    # cpu
    "torch.cpu.is_available()", "torch.cpu.is_initialized()", "torch.cpu.device_count()",
    "torch.cpu.current_device()", "torch.cpu.set_device(0)", "torch.cpu.set_device('cpu')",
    "torch.cpu.synchronize()", "torch.cpu.synchronize('cuda')", "torch.cpu.current_stream()",
    "torch.cpu.Stream()", "torch.cpu.Stream(priority=1).wait_stream(torch.cpu.Stream())",
    "torch.cpu.Event()", "torch.cpu.Event().query()", "torch.cpu.Event().record()",
    "torch.cpu.Event().synchronize()", "torch.cpu.Event().wait()", "torch.cpu.stream(None)",
    "torch.cpu.stream(None).__enter__()", "torch.cpu.get_capabilities()['avx2']",
    "torch.cpu.get_capabilities()['avx512_f']", "torch.cpu.get_capabilities()['avx512_bw']",
    "torch.cpu.get_capabilities()['sse4_1']", "torch.cpu.get_capabilities()['fma3']",
    "torch.cpu.get_capabilities()['architecture']", "type(torch.cpu.get_capabilities()).__name__",
    "torch.cpu.amp.autocast()", "torch.cpu.amp.autocast(dtype=torch.float16)",
    "torch.cpu.amp.autocast(dtype=torch.float64)",
    # version
    "torch.version.cuda", "torch.version.hip", "torch.version.rocm", "torch.version.xpu",
    "torch.version.debug", "type(torch.version.git_version).__name__",
    "torch.version.__version__ == torch.__version__",
    # multiprocessing
    "torch.multiprocessing.get_sharing_strategy()",
    "torch.multiprocessing.get_all_sharing_strategies()",
    "torch.multiprocessing.set_sharing_strategy('bad')",
    "sorted(set(torch.multiprocessing.__all__))",
    "torch.multiprocessing.get_start_method(allow_none=True) in "
    "(None, 'fork', 'spawn', 'forkserver')",
    "torch.multiprocessing.cpu_count() > 0", "torch.multiprocessing.Queue",
    "torch.multiprocessing.ProcessRaisedException('m', 1, 2).error_pid",
    "pickle.loads(pickle.dumps(\n"
    "    torch.multiprocessing.ProcessExitedException('m', 1, 2, 3))).exit_code",
    "torch.multiprocessing.SpawnContext([], [])",
    "torch.multiprocessing.ProcessContext([], []).join()",
    "torch.multiprocessing.init_reductions()",
]


@pytest.mark.parametrize("code", OTHER_CALLS)
def test_other_modules(code):
    globals_code = code
    if "pickle" in code:
        globals_code = "import pickle\nresult = " + code
    same(globals_code)


# (PyTorch's half-made MPS Event fails again in its __del__)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("code", ["torch.mps.Event()", "torch.mps.event.Event()"])
def test_mps_event(code):
    same(code)


def test_cpu_stream_context_switches_current_stream():
    same("s = torch.cpu.Stream()\n"
         "with torch.cpu.stream(s):\n"
         "    inside = torch.cpu.current_stream() is s\n"
         "result = (inside, torch.cpu.current_stream() is s)")


def test_cpu_autocast_region_runs_in_bfloat16():
    same("with torch.cpu.amp.autocast():\n"
         "    result = str((torch.ones(2, 2) @ torch.ones(2, 2)).dtype)")


def test_sharing_strategy_round_trip():
    same("old = torch.multiprocessing.get_sharing_strategy()\n"
         "torch.multiprocessing.set_sharing_strategy('file_system')\n"
         "result = torch.multiprocessing.get_sharing_strategy()\n"
         "torch.multiprocessing.set_sharing_strategy(old)")


def test_public_names_of_cuda_exist():
    """Every public function and class of PyTorch's torch.cuda a program would call exists."""
    wanted = ["is_available", "device_count", "is_initialized", "init", "current_device",
              "set_device", "device", "device_of", "synchronize", "get_device_name",
              "get_device_capability", "get_device_properties", "manual_seed",
              "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state",
              "get_rng_state_all", "set_rng_state", "set_rng_state_all", "empty_cache",
              "memory_allocated", "memory_reserved", "max_memory_allocated",
              "max_memory_reserved", "reset_peak_memory_stats", "memory_summary",
              "memory_stats", "mem_get_info", "is_bf16_supported", "Stream", "Event",
              "current_stream", "default_stream", "stream", "StreamContext", "amp", "nvtx",
              "OutOfMemoryError", "graph", "CUDAGraph"]
    for name in wanted:
        assert hasattr(torch.cuda, name), name
        assert hasattr(kindling.cuda, name), name


def _child_ok(i, path):
    with open(f"{path}.{i}", "w") as f:
        f.write(str(kindling.ones(2).sum().item() + i))


def _child_fails(i):
    raise ValueError(f"child {i} failed")


def test_spawn_runs_children_and_reports_failures(tmp_path):
    # (the start method is fork here: a spawned child would have to import this test module)
    kindling.multiprocessing.start_processes(_child_ok, args=(str(tmp_path / "out"),), nprocs=2,
                                             start_method="fork")
    assert [(tmp_path / f"out.{i}").read_text() for i in range(2)] == ["2.0", "3.0"]
    with pytest.raises(kindling.multiprocessing.ProcessRaisedException) as e:
        kindling.multiprocessing.start_processes(_child_fails, nprocs=1, start_method="fork")
    assert "ValueError: child 0 failed" in str(e.value)
    assert "-- Process 0 terminated with the following error:" in str(e.value)
    ctx = kindling.multiprocessing.start_processes(_child_ok, args=(str(tmp_path / "c"),),
                                                   nprocs=1, join=False, start_method="fork")
    assert isinstance(ctx, kindling.multiprocessing.ProcessContext)
    while not ctx.join():
        pass
    assert (tmp_path / "c.0").read_text() == "2.0"


def test_queue_copies_tensors():
    q = kindling.multiprocessing.get_context("fork").SimpleQueue()
    t = kindling.arange(3.0)
    q.put(t)
    back = q.get()
    assert back.tolist() == t.tolist() and back is not t


def test_modules_load_lazily():
    code = ("import sys, kindling\n"
            "names = ['cuda', 'backends', 'mps', 'xpu', 'mtia', 'accelerator', 'cpu', 'version',"
            " 'multiprocessing']\n"
            "print(any(f'kindling.{n}' in sys.modules for n in names))\n"
            "print(all(getattr(kindling, n).__name__ == f'kindling.{n}' for n in names))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(kindling.__file__).parents[1]))
    assert out.stdout.split() == ["False", "True"], out.stderr


def test_top_level_device_errors():
    """``torch.OutOfMemoryError`` and ``torch.AcceleratorError`` are the cuda module's."""
    for T in (kindling, torch):
        assert T.OutOfMemoryError is T.cuda.OutOfMemoryError
        assert T.AcceleratorError.__mro__[1:] == (RuntimeError, Exception, BaseException, object)
    assert repr(kindling.OutOfMemoryError) == repr(torch.OutOfMemoryError)
