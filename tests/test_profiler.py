"""``kindling.profiler``: per-op counts and times recorded through a dispatch mode."""
import json

import kindling
from kindling.profiler import ProfilerActivity, profile, record_function
from kindling.testing._internal.logging_tensor import LoggingTensor
from kindling.utils._python_dispatch import _get_current_dispatch_mode_stack

kt = kindling


def _by_key(prof):
    return {e.key: e for e in prof.key_averages()}


def test_counts_per_op():
    a = kt.ones(4, 4)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            a + a
        a.sum()
        kt.mm(a, a)
    avg = _by_key(prof)
    assert avg["aten::add"].count == 3
    assert avg["aten::sum"].count == 1 and avg["aten::mm"].count == 1
    assert all(e.cpu_time_total >= e.self_cpu_time_total >= 0 for e in avg.values())
    assert avg["aten::add"].cpu_time == avg["aten::add"].cpu_time_total / 3
    assert _get_current_dispatch_mode_stack() == []


def test_nested_ops_are_children_and_record_function():
    a = kt.ones(3)
    with profile() as prof:
        with record_function("block"):
            a * 2
            a - 1
    block = _by_key(prof)["block"]
    assert block.count == 1
    assert block.cpu_time_total >= block.self_cpu_time_total
    ev = [e for e in prof.events() if e.name == "block"][0]
    assert sorted(c.name for c in ev.cpu_children) == ["aten::mul", "aten::sub"]


def test_table_layout_sorting_and_limits():
    a = kt.ones(2)
    with profile(record_shapes=True) as prof:
        for _ in range(2):
            a + a
        a.neg()
    table = prof.key_averages().table(sort_by="count", row_limit=1)
    lines = table.splitlines()
    assert lines[0].startswith("-") and "Name" in lines[1]
    for col in ("Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
                "# of Calls"):
        assert col in lines[1]
    assert "Input Shapes" not in lines[1]
    assert "Input Shapes" in prof.key_averages(group_by_input_shape=True).table().splitlines()[1]
    body = [ln for ln in lines[3:] if ln.strip() and not ln.startswith("-")
            and not ln.startswith("Self CPU time total")]
    assert len(body) == 1 and "aten::add" in body[0] and body[0].split()[6] == "2"
    assert lines[-1].startswith("Self CPU time total: ")
    grouped = prof.key_averages(group_by_input_shape=True)
    assert any(e.input_shapes == [[2], [2]] for e in grouped)


def test_subclass_ops_are_recorded_and_still_computed():
    x = LoggingTensor(kt.ones(2))
    with profile() as prof:
        y = x + x
    assert type(y) is LoggingTensor and y.elem.tolist() == [2.0, 2.0]
    assert _by_key(prof)["aten::add"].count >= 1


def test_disabled_profiler_and_chrome_trace(tmp_path):
    with profile(enabled=False) as prof:
        kt.ones(1) + 1
    assert list(prof.events()) == []
    with profile() as prof:
        kt.ones(1) + 1
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    names = [e["name"] for e in json.loads(path.read_text())["traceEvents"]]
    assert "aten::add" in names
