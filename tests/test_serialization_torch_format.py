"""kindling.save / kindling.load in PyTorch's checkpoint format, against torch.save / torch.load."""
import collections
import io
import pathlib
import pickle
import zipfile

import pytest

import kindling as kt

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32",
          "int64", "bool", "complex64", "complex128", "uint16", "uint32", "uint64",
          "float8_e4m3fn", "float8_e5m2"]


class Custom:
    """A class no allow-list knows."""

    def __init__(self, v=1):
        self.v = v


def _values(t):
    """A tensor's logical values as nested Python lists (float for the small floats)."""
    t = t.resolve_conj().resolve_neg()
    if str(t.dtype) in ("torch.bfloat16", "torch.float16", "torch.float8_e4m3fn",
                        "torch.float8_e5m2", "torch.uint16", "torch.uint32", "torch.uint64"):
        t = t.to(_mod(t).float64)
    return t.tolist()


def _mod(t):
    return torch if isinstance(t, torch.Tensor) else kt


def _same(k, t):
    assert str(k.dtype) == str(t.dtype)
    assert tuple(k.shape) == tuple(t.shape)
    assert tuple(k.stride()) == tuple(t.stride())
    assert k.storage_offset() == t.storage_offset()
    assert k.requires_grad == t.requires_grad
    assert k.is_conj() == t.is_conj() and k.is_neg() == t.is_neg()
    assert k.untyped_storage().nbytes() == t.untyped_storage().nbytes()
    assert _values(k) == _values(t)


def _cases(m):
    """The same tensors built with kindling or torch (m)."""
    base = m.arange(24, dtype=m.float32).reshape(2, 3, 4)
    out = collections.OrderedDict()
    out["base"] = base
    out["view"] = base[1, :, 1:3]          # a view with an offset
    out["t"] = base.transpose(0, 2)        # non-contiguous
    out["scalar"] = m.tensor(2.5)          # 0-d
    out["empty"] = m.zeros(0, 3)           # empty
    for name in DTYPES:
        out[name] = (m.arange(6, dtype=m.float32) - 2).reshape(2, 3).to(getattr(m, name))
    out["conj"] = m.tensor([1 + 2j, 3 - 4j]).conj()
    out["neg"] = m.tensor([1.0, -2.0])._neg_view()
    out["grad"] = m.ones(3, requires_grad=True)
    return out


def _check_sharing(got, mod):
    ptr = lambda t: t.untyped_storage().data_ptr()  # noqa: E731
    assert ptr(got["view"]) == ptr(got["base"]) == ptr(got["t"])
    assert ptr(got["int8"]) != ptr(got["base"])
    got["base"][1, 0, 1] = 100.0           # still views of one storage
    assert got["view"][0, 0].item() == 100.0


def _container(m):
    sd = _cases(m)
    sd._metadata = collections.OrderedDict({"": {"version": 1}, "fc": {"version": 2}})
    return {"sd": sd, "param": m.nn.Parameter(m.ones(2, 2)),
            "frozen": m.nn.Parameter(m.zeros(3), requires_grad=False),
            "nested": [(1, 2.5, "s", None, True), {"k": [sd["view"]]}, {3, 4}, b"raw",
                       bytearray(b"ba"), 1 + 2j, 2 ** 70],
            "dtype": m.float16, "size": m.Size([2, 3]), "device": m.device("cpu")}


def _compare_container(got, ref):
    for key, t in ref["sd"].items():
        _same(got["sd"][key], t)
    assert dict(got["sd"]._metadata) == dict(ref["sd"]._metadata)
    assert type(got["sd"]) is collections.OrderedDict
    for key in ("param", "frozen"):
        assert type(got[key]).__name__ == "Parameter"
        _same(got[key], ref[key])
    assert got["nested"][0] == ref["nested"][0]
    assert got["nested"][2:] == ref["nested"][2:]
    _same(got["nested"][1]["k"][0], ref["nested"][1]["k"][0])
    assert str(got["dtype"]) == str(ref["dtype"])
    assert tuple(got["size"]) == tuple(ref["size"]) and type(got["size"]).__name__ == "Size"
    assert str(got["device"]) == str(ref["device"])


def test_torch_save_kindling_load():
    buf = io.BytesIO()
    ref = _container(torch)
    torch.save(ref, buf)
    buf.seek(0)
    got = kt.load(buf)
    _compare_container(got, ref)
    assert got["nested"][1]["k"][0].untyped_storage().data_ptr() == \
        got["sd"]["base"].untyped_storage().data_ptr()
    _check_sharing(got["sd"], kt)


def test_kindling_save_torch_load():
    buf = io.BytesIO()
    ref = _container(kt)
    kt.save(ref, buf)
    buf.seek(0)
    got = torch.load(buf)  # weights_only=True, PyTorch's default
    _compare_container(ref, got)
    assert type(got["param"]) is torch.nn.Parameter
    _check_sharing(got["sd"], torch)


def test_round_trip_through_both():
    ref = _cases(torch)
    a = io.BytesIO()
    torch.save(ref, a)
    a.seek(0)
    b = io.BytesIO()
    kt.save(kt.load(a), b)
    b.seek(0)
    got = torch.load(b)
    for key, t in ref.items():
        _same(got[key], t)


def test_archive_layout_matches_torch(tmp_path):
    """Same records, same order, same names and same 64-byte alignment as torch.save."""
    for name in ("model.pt", "weights.v2.bin", "noext"):
        kp, tp = tmp_path / ("k_" + name), tmp_path / ("t_" + name)
        kt.save({"w": kt.ones(3), "b": kt.zeros(2, dtype=kt.int64), "e": kt.zeros(0)}, kp)
        torch.save({"w": torch.ones(3), "b": torch.zeros(2, dtype=torch.int64),
                    "e": torch.zeros(0)}, tp)
        kz, tz = zipfile.ZipFile(kp), zipfile.ZipFile(tp)
        assert [i.filename[2:] if i.filename.startswith("k_") else i.filename
                for i in kz.infolist()] == \
            [i.filename[2:] if i.filename.startswith("t_") else i.filename
             for i in tz.infolist()]
        for zk, zt in zip(kz.infolist(), tz.infolist()):
            assert (zk.flag_bits, zk.compress_type, zk.file_size) == \
                (zt.flag_bits, zt.compress_type, zt.file_size) or zk.filename.endswith(".pkl")
            raw = kp.read_bytes()
            fn_len, ex_len = int.from_bytes(raw[zk.header_offset + 26:zk.header_offset + 28],
                                            "little"), \
                int.from_bytes(raw[zk.header_offset + 28:zk.header_offset + 30], "little")
            assert (zk.header_offset + 30 + fn_len + ex_len) % 64 == 0
        for rec in ("byteorder", "version", ".format_version", ".storage_alignment"):
            assert kz.read(kz.namelist()[0].split("/")[0] + "/" + rec) == \
                tz.read(tz.namelist()[0].split("/")[0] + "/" + rec)
    buf = io.BytesIO()
    kt.save(kt.ones(1), buf)
    assert zipfile.ZipFile(buf).namelist()[0] == "archive/data.pkl"


def test_torch_mmap_and_offsets_on_kindling_file(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    kt.save({"a": kt.arange(10.0), "b": kt.ones(3, dtype=kt.int32), "c": kt.zeros(0)}, path)
    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")  # torch checks computed offsets
    got = torch.load(path, mmap=True)
    assert got["a"].tolist() == list(range(10)) and got["b"].tolist() == [1, 1, 1]


def test_paths_pathlike_file_objects(tmp_path):
    t = torch.arange(4)
    p = tmp_path / "x.pt"
    torch.save(t, str(p))
    assert kt.load(str(p)).tolist() == [0, 1, 2, 3]
    assert kt.load(pathlib.Path(p)).tolist() == [0, 1, 2, 3]
    with open(p, "rb") as fh:
        assert kt.load(fh).tolist() == [0, 1, 2, 3]
    kt.save(kt.arange(3), pathlib.Path(tmp_path / "y.pt"))
    assert torch.load(tmp_path / "y.pt").tolist() == [0, 1, 2]
    with open(tmp_path / "z.pt", "wb") as fh:
        kt.save(kt.arange(2), fh)
    assert torch.load(tmp_path / "z.pt").tolist() == [0, 1]
    with pytest.raises(AttributeError) as ke:
        kt.save(kt.ones(1), 3)
    with pytest.raises(AttributeError) as te:
        torch.save(torch.ones(1), 3)
    assert str(ke.value) == str(te.value)


def test_mmap_load(tmp_path):
    p = tmp_path / "a.pt"
    torch.save({"a": torch.arange(6.0).reshape(2, 3), "b": torch.ones(2, dtype=torch.int16)}, p)
    got = kt.load(p, mmap=True)
    assert got["a"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    got["a"].add_(1)  # private mapping: the file is untouched
    assert kt.load(p)["a"][0, 0].item() == 0.0
    buf = io.BytesIO(p.read_bytes())
    with pytest.raises(ValueError) as ke:
        kt.load(buf, mmap=True)
    buf.seek(0)
    with pytest.raises(ValueError) as te:
        torch.load(buf, mmap=True)
    assert str(ke.value) == str(te.value)
    lp = tmp_path / "legacy.pt"
    kt.save(kt.ones(1), str(lp), _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError) as ke:
        kt.load(str(lp), mmap=True)
    with pytest.raises(RuntimeError) as te:
        torch.load(str(lp), mmap=True)
    assert str(ke.value) == str(te.value)


@pytest.mark.parametrize("map_location", ["cpu", "device", "callable", "dict", "lambda_none"])
def test_map_location(map_location):
    seen = []

    def cb(storage, loc):
        seen.append(loc)
        return storage if map_location == "callable" else None
    ml = {"cpu": "cpu", "device": kt.device("cpu"), "callable": cb, "lambda_none": cb,
          "dict": {"cpu": "cpu"}}[map_location]
    buf = io.BytesIO()
    torch.save({"a": torch.ones(2), "b": torch.zeros(1)}, buf)
    buf.seek(0)
    got = kt.load(buf, map_location=ml)
    assert got["a"].tolist() == [1.0, 1.0] and got["a"].device == kt.device("cpu")
    if map_location in ("callable", "lambda_none"):
        assert seen == ["cpu", "cpu"]


def _relocated(archive, location):
    """The archive with its storages tagged ``location`` (rewritten by Python's zipfile)."""
    src = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu",
                                    b"X" + len(location).to_bytes(4, "little") + location)
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_map_location_meta_and_cuda_errors():
    buf = io.BytesIO()
    torch.save(torch.ones(2), buf)
    buf.seek(0)
    got = kt.load(buf, map_location="meta")
    assert got.is_meta and tuple(got.shape) == (2,)
    data = _relocated(buf.getvalue(), b"cuda")
    with pytest.raises(RuntimeError) as te:
        torch.load(io.BytesIO(data))
    with pytest.raises(RuntimeError) as ke:
        kt.load(io.BytesIO(data))
    assert str(ke.value) == str(te.value)
    got = kt.load(io.BytesIO(data), map_location={"cuda": "cpu"})
    assert got.tolist() == [1.0, 1.0]


# (PyTorch's legacy loader cannot read the dtypes it stores untyped, its own files included)
_UNTYPED = ("uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2")


def test_legacy_format_both_ways():
    ref = _cases(torch)
    for name in _UNTYPED:
        del ref[name]
    buf = io.BytesIO()
    torch.save(ref, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    got = kt.load(buf)
    for key, t in ref.items():
        _same(got[key], t)
    _check_sharing(got, kt)
    buf = io.BytesIO()
    kref = _cases(kt)
    for name in _UNTYPED:
        del kref[name]
    kt.save(kref, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    got = torch.load(buf)
    for key, t in kref.items():
        _same(t, got[key])
    _check_sharing(got, torch)
    buf.seek(0)
    got = kt.load(buf)
    for key, t in kref.items():
        _same(got[key], ref[key])
    buf = io.BytesIO()
    kt.save({"u": kt.ones(2, dtype=kt.uint16)}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    assert kt.load(buf)["u"].tolist() == [1, 1]


def _errors(buf, **kw):
    out = []
    for m in (torch, kt):
        buf.seek(0)
        with pytest.raises(pickle.UnpicklingError) as e:
            m.load(buf, **kw)
        out.append(str(e.value))
    return out


def test_forbidden_global_message_matches_torch():
    for saver in (torch, kt):
        buf = io.BytesIO()
        saver.save({"x": Custom(3)}, buf)
        t_msg, k_msg = _errors(buf)
        assert k_msg == t_msg
        assert f"GLOBAL {__name__}.Custom was not an allowed global" in k_msg
        buf.seek(0)
        assert kt.load(buf, weights_only=False)["x"].v == 3
        buf.seek(0)
        with kt.serialization.safe_globals([Custom]):
            assert kt.load(buf)["x"].v == 3
        buf.seek(0)
        kt.serialization.add_safe_globals([(Custom, f"{__name__}.Custom")])
        try:
            assert kt.load(buf)["x"].v == 3
        finally:
            kt.serialization.clear_safe_globals()


def test_blocked_module_and_reduce_messages_match_torch():
    import os
    buf = io.BytesIO()
    torch.save({"f": os.getcwd}, buf)   # a function of a blocked module
    t_msg, k_msg = _errors(buf)
    assert k_msg == t_msg and "is blocked" in k_msg
    buf = io.BytesIO()
    torch.save([print], buf)
    t_msg, k_msg = _errors(buf)
    assert k_msg == t_msg


def test_explicit_pickle_module_with_weights_only():
    buf = io.BytesIO()
    kt.save(kt.ones(1), buf)
    for m in (torch, kt):
        buf.seek(0)
        with pytest.raises(RuntimeError, match="Can not safely load weights when explicit "
                                               "pickle_module is specified"):
            m.load(buf, pickle_module=pickle, weights_only=True)
    buf.seek(0)
    assert kt.load(buf, pickle_module=pickle).tolist() == [1.0]


def test_full_pickle_of_tensor_with_attributes_and_subclass():
    t = torch.ones(2)
    t.note = "hi"
    buf = io.BytesIO()
    torch.save(t, buf)
    buf.seek(0)
    got = kt.load(buf)
    assert got.note == "hi" and got.tolist() == [1.0, 1.0]
    k = kt.ones(2)
    k.note = "hi"
    buf = io.BytesIO()
    kt.save(k, buf)
    buf.seek(0)
    got = torch.load(buf)
    assert got.note == "hi" and got.tolist() == [1.0, 1.0]


def test_shared_storage_of_different_dtypes_refused():
    x = kt.ones(4)
    for m, y in ((kt, x), (torch, torch.ones(4))):
        with pytest.raises(RuntimeError, match="Cannot save multiple tensors or storages that "
                                               "view the same data as different types"):
            m.save([y, y.view(m.int32)], io.BytesIO())


def test_kindling_earlier_plain_pickle_still_loads():
    x = kt.arange(3.0)
    data = pickle.dumps({"x": x}, protocol=2)
    got = kt.load(io.BytesIO(data))
    assert got["x"].tolist() == [0.0, 1.0, 2.0]


def _net(m):
    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = m.nn.Parameter(m.arange(6.0).reshape(2, 3))
            self.register_buffer("steps", m.tensor(7))
            self.inner = m.nn.Module()
            self.inner.bias = m.nn.Parameter(m.zeros(2))
    return Net()


def test_module_state_dict_round_trip():
    tm, km = _net(torch), _net(kt)
    with torch.no_grad():
        tm.weight.mul_(3)
        tm.inner.bias.add_(1)
    buf = io.BytesIO()
    torch.save(tm.state_dict(), buf)
    buf.seek(0)
    sd = kt.load(buf)
    assert sd._metadata == tm.state_dict()._metadata
    km.load_state_dict(sd)
    assert km.weight.tolist() == tm.weight.tolist() and km.steps.item() == 7
    assert km.inner.bias.tolist() == [1.0, 1.0]
    out = io.BytesIO()
    kt.save(km.state_dict(), out)
    out.seek(0)
    sd = torch.load(out)
    assert sd._metadata == tm.state_dict()._metadata
    tm2 = _net(torch)
    tm2.load_state_dict(sd)
    assert tm2.weight.tolist() == tm.weight.tolist() and tm2.inner.bias.tolist() == [1.0, 1.0]


def test_kindling_utils_rebuild_functions():
    from kindling import _utils
    from kindling.nn import parameter
    assert parameter._rebuild_parameter is _utils._rebuild_parameter
    p = _utils._rebuild_parameter(kt.ones(2), False, collections.OrderedDict())
    assert isinstance(p, kt.nn.Parameter) and not p.requires_grad
    q = _utils._rebuild_parameter_with_state(kt.ones(1), True, collections.OrderedDict(),
                                             {"tag": 1})
    assert q.tag == 1 and q.requires_grad


def _rich(m):
    x = m.arange(6.0).reshape(2, 3)
    sd = collections.OrderedDict(
        a=x, b=x[:, 1], p=m.nn.Parameter(m.ones(2)), h=m.ones(3, dtype=m.bfloat16),
        u=m.ones(2, dtype=m.uint16), e=m.zeros(0), s=m.tensor(3.0), c=m.tensor([1j]).conj(),
        n=m.ones(1)._neg_view(), st={1, 2}, by=b"ab", d=m.float32, sz=m.Size([2]),
        dev=m.device("cpu"), f8=m.ones(1, dtype=m.float8_e5m2),
        rg=m.ones(1, requires_grad=True), tup=(1, 2.5, None, "x", 2 ** 40, -3, 300))
    sd._metadata = collections.OrderedDict({"": {"version": 1}})
    return sd


def test_archive_bytes_identical_to_torch(monkeypatch):
    """With the same serialization id, kindling.save writes torch.save's bytes exactly."""
    ref = io.BytesIO()
    torch.save(_rich(torch), ref)
    ref_zip = zipfile.ZipFile(io.BytesIO(ref.getvalue()))
    sid = ref_zip.read("archive/.data/serialization_id").decode()
    from kindling import _zip_archive
    monkeypatch.setattr(_zip_archive, "serialization_id", lambda crc: sid)
    out = io.BytesIO()
    kt.save(_rich(kt), out)
    assert out.getvalue() == ref.getvalue()


def test_get_unsafe_globals_in_checkpoint():
    for saver in (torch, kt):
        buf = io.BytesIO()
        saver.save({"x": Custom(), "t": saver.ones(1), "s": {1}, "o": collections.Counter()},
                   buf)
        got = []
        for m in (torch, kt):
            buf.seek(0)
            got.append(sorted(m.serialization.get_unsafe_globals_in_checkpoint(buf)))
        assert got[0] == got[1] == [f"{__name__}.Custom"]
    with pytest.raises(ValueError, match="Expected input to be a checkpoint returned by "
                                         "torch.save"):
        kt.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(b"not a zip"))


def test_big_endian_checkpoint():
    ref = {"f": torch.arange(4.0), "i": torch.arange(3, dtype=torch.int16),
           "c": torch.tensor([1 + 2j, -3j]), "d": torch.arange(2, dtype=torch.float64),
           "b": torch.tensor([True, False])}
    buf = io.BytesIO()
    torch.save(ref, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    # storage keys follow the order the tensors were pickled in
    elem = [t.element_size() // (2 if t.is_complex() else 1) for t in ref.values()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            name = info.filename.split("/", 1)[1]
            if name == "byteorder":
                data = b"big"
            elif name.startswith("data/"):
                n = elem[int(name[5:])]
                data = b"".join(data[i:i + n][::-1] for i in range(0, len(data), n))
            dst.writestr(info.filename, data)
    data = out.getvalue()
    t_got = torch.load(io.BytesIO(data))
    k_got = kt.load(io.BytesIO(data))
    for key, t in ref.items():
        assert t_got[key].tolist() == t.tolist()
        _same(k_got[key], t_got[key])


def test_legacy_weights_only_error_matches_torch():
    buf = io.BytesIO()
    torch.save([Custom()], buf, _use_new_zipfile_serialization=False)
    t_msg, k_msg = _errors(buf)
    assert k_msg == t_msg


def test_pickle_load_args_warning_and_env_override(monkeypatch):
    buf = io.BytesIO()
    kt.save({"x": Custom(5)}, buf)
    for m in (torch, kt):
        buf.seek(0)
        with pytest.warns(UserWarning, match="pickle_load_args only works if "
                                             "`weights_only=False`."):
            with pytest.raises(pickle.UnpicklingError):
                m.load(buf, encoding="latin1")
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
    buf.seek(0)
    with pytest.warns(UserWarning, match="TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected"):
        assert kt.load(buf)["x"].v == 5
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    for m in (torch, kt):
        buf.seek(0)
        with pytest.raises(RuntimeError) as e:
            m.load(buf)
        assert "should be set, but both were set" in str(e.value)


def test_torch_only_globals_are_unsupported_not_unsafe():
    buf = io.BytesIO()
    torch.save({"q": torch.per_tensor_affine}, buf)
    buf.seek(0)
    assert torch.load(buf)["q"] == torch.per_tensor_affine
    buf.seek(0)
    with pytest.raises(NotImplementedError, match="torch.per_tensor_affine"):
        kt.load(buf)


def test_parameter_with_attributes_and_meta_tensors_both_ways():
    for saver, loader in ((torch, kt), (kt, torch)):
        p = saver.nn.Parameter(saver.ones(2))
        p.tag = "w"
        meta = saver.empty(2, 3, device="meta").t()
        buf = io.BytesIO()
        saver.save({"p": p, "meta": meta}, buf)
        buf.seek(0)
        got = loader.load(buf)
        assert type(got["p"]).__name__ == "Parameter" and got["p"].tag == "w"
        assert got["p"].tolist() == [1.0, 1.0] and got["p"].requires_grad
        assert got["meta"].is_meta and tuple(got["meta"].shape) == (3, 2)
        assert tuple(got["meta"].stride()) == (1, 3)
