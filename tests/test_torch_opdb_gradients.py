"""Outputs, errors and gradients equal PyTorch's over PyTorch's own OpInfo database.

Every OpInfo of ``torch.testing._internal.common_methods_invocations.op_db`` with
``supports_autograd`` whose op kindling has (found at run time, see
``tests/_torch_opdb_sweep.py``) runs its first ``MAX_SAMPLES`` float64 samples, and complex128
ones where PyTorch differentiates the op for complex inputs, in both libraries: outputs
(values, dtype, shape, requires_grad) or errors (type, message) must agree, then
``autograd.grad`` of the differentiable outputs with the same output gradients (values,
None-ness, dtype, shape).  Skipped without torch or expecttest (which the database needs).
"""
import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")

import kindling  # noqa: E402
import _torch_opdb_sweep as sweep  # noqa: E402

_, OPINFOS = sweep.load_op_db()

# samples per op and dtype (the linalg OpInfos have hundreds; the first ones cover the shapes)
MAX_SAMPLES = 48

# {op id (OpInfo name[.variant]): why kindling differs from PyTorch}; such ops are expected to
# fail (strictly: a fixed one must leave this list). Empty: every resolvable op agrees.
# (Eigen- and singular vectors are compared through the OpInfo's gauge-invariant
# output_process_fn_grad where their raw signs differ: see sweep.GAUGE_OPS.)
KNOWN_DIFFERENCES: dict = {}

# OpInfos whose op kindling lacks, outside the families the sweep skips (nn, sparse, masked,
# fft, nested); a newly missing one fails test_no_op_went_missing.
MISSING = {
    "_batch_norm_with_update", "_upsample_bilinear2d_aa", "torch.ops.aten._safe_softmax.default",
    "torch.ops.aten._efficient_attention_forward", "torch.ops.aten._flash_attention_forward",
    "_native_batch_norm_legit", "_segment_reduce.lengths", "_segment_reduce.offsets",
    "_unsafe_masked_index", "_unsafe_masked_index_put_accumulate", "constant_pad_nd",
    "gradient", "grid_sampler_2d", "grid_sampler_3d", "istft", "stft", "mode", "quantile",
    "nanquantile", "native_batch_norm", "native_group_norm", "native_layer_norm",
}


def _cases():
    for op in OPINFOS:
        kfn, _ = sweep.resolve(op, torch)
        if kfn is None:
            continue
        dtypes = ["float64"]
        if torch.complex128 in op.supported_backward_dtypes("cpu"):
            dtypes.append("complex128")
        for dt in dtypes:
            oid = sweep.op_id(op)
            marks = ([pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[oid])]
                     if oid in KNOWN_DIFFERENCES else [])
            yield pytest.param(op, kfn, dt, id=f"{oid}-{dt}", marks=marks)


@pytest.fixture
def rng_kept():
    """The sweep seeds both libraries' global generators: put them back afterwards."""
    t_state, k_state = torch.get_rng_state(), kindling.get_rng_state()
    yield
    torch.set_rng_state(t_state)
    kindling.set_rng_state(k_state)


@pytest.mark.parametrize("op, kfn, dtype", list(_cases()))
def test_matches_pytorch(op, kfn, dtype, rng_kept):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sweep.run_op(op, kfn, torch, getattr(torch, dtype), MAX_SAMPLES)
    lacking = sweep.lambda_missing(res)
    if lacking:
        pytest.skip(f"the OpInfo's function uses what kindling lacks: {lacking}")
    bad = [f"sample {i} ({summary[:160]}): {kind}: {detail}"
           for i, kind, detail, summary in res if kind != "ok"]
    assert not bad, "\n".join(bad)


def test_no_op_went_missing():
    skipped = {cat for _, cat in sweep.SKIPPED_PREFIXES}
    missing = set()
    for op in OPINFOS:
        kfn, miss = sweep.resolve(op, torch)
        if kfn is None and miss[0] not in skipped:
            missing.add(sweep.op_id(op))
    assert missing <= MISSING, sorted(missing - MISSING)
