"""``kindling.strided`` and friends (layouts) and memory formats, with PyTorch's reprs."""


class layout:
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        return (_layout_by_name, (self._name,))


class memory_format:
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "torch." + self._name

    def __reduce__(self):
        return (_format_by_name, (self._name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")
_mkldnn = layout("_mkldnn")
jagged = layout("jagged")

contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")

_LAYOUTS = {x._name: x for x in (strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr,
                                  sparse_bsc, _mkldnn, jagged)}
_FORMATS = {x._name: x for x in (contiguous_format, preserve_format, channels_last,
                                 channels_last_3d)}


def _layout_by_name(n):
    return _LAYOUTS[n]


def _format_by_name(n):
    return _FORMATS[n]
