"""The zip container of PyTorch checkpoints, written record by record as PyTorch's writer
(miniz) lays it out, and read back.

Every record is stored uncompressed under ``<archive name>/``; its local header carries an
``FB`` extra field of ``Z`` padding so that the record's bytes start on a 64-byte boundary
(what lets ``torch.load(mmap=True)`` map storages in place), and a data descriptor follows
the bytes.  The central directory ends with zip64 records, as PyTorch's files do.
"""
from __future__ import annotations

import os
import random
import struct
import zlib

ALIGNMENT = 64
_U32 = 0xFFFFFFFF


class ZipWriter:
    """Append records to ``fh`` (a binary file object) under ``<name>/``; ``close`` writes the
    ``version`` and ``.data/serialization_id`` records and the central directory."""

    def __init__(self, fh, name):
        self._fh = fh
        self._name = name
        self._pos = 0
        self._entries = []  # (name bytes, crc, size, header offset)
        self._crc_all = 0

    def _write(self, b):
        self._fh.write(b)
        self._pos += len(b)

    def write_record(self, record, data):
        """Store ``data`` (bytes-like) as ``<name>/<record>``."""
        fname = f"{self._name}/{record}".encode("utf-8")
        data = memoryview(data).cast("B")
        size = data.nbytes
        header_at = self._pos
        if header_at >= _U32 or size >= _U32:
            raise NotImplementedError("kindling.save: checkpoints over 4 GiB (zip64 records)")
        start = header_at + 30 + len(fname) + 4
        pad = -start % ALIGNMENT
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        crc = zlib.crc32(data)
        # (an empty record gets no data descriptor, and no flag announcing one)
        flags = 0x0808 if size else 0x0800
        self._write(b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 0, flags, 0, 0, 0, 0, 0, 0,
                                                len(fname), len(extra)) + fname + extra)
        if size:
            self._write(data)
            self._write(b"PK\x07\x08" + struct.pack("<III", crc, size, size))
        self._entries.append((fname, crc, size, header_at, flags))
        self._crc_all = zlib.crc32(struct.pack("<I", crc), self._crc_all)

    def close(self):
        self.write_record("version", b"3\n")
        self.write_record(".data/serialization_id", serialization_id(self._crc_all).encode())
        cd_at = self._pos
        for fname, crc, size, at, flags in self._entries:
            self._write(b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 0, 0, flags, 0, 0, 0,
                                                    crc, size, size, len(fname), 0, 0, 0, 0, 0,
                                                    at) + fname)
        cd_size = self._pos - cd_at
        n = len(self._entries)
        eocd64_at = self._pos
        self._write(b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 0x031E, 0x002D, 0, 0, n, n,
                                                cd_size, cd_at))
        self._write(b"PK\x06\x07" + struct.pack("<IQI", 0, eocd64_at, 1))
        self._write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, n, n, cd_size, cd_at, 0))
        if hasattr(self._fh, "flush"):
            self._fh.flush()


def serialization_id(crc):
    """40 digits telling checkpoints apart (random, then from the records' checksums)."""
    return f"{random.getrandbits(64) % 10**20:020d}{crc:020d}"


def archive_name(f):
    """The folder name PyTorch's writer gives: the file's name without its extension for a
    path, ``archive`` for a file object."""
    if isinstance(f, (str, os.PathLike)):
        base = os.path.basename(os.fspath(f))
        stem, dot, _ = base.rpartition(".")
        return stem if dot and stem else base
    return "archive"


class ZipReader:
    """Records of a checkpoint archive by their name inside ``<archive name>/``."""

    def __init__(self, fh):
        import zipfile
        self._fh = fh
        self._zip = zipfile.ZipFile(fh)
        infos = self._zip.infolist()
        if not infos:
            raise RuntimeError("PytorchStreamReader failed reading zip archive: "
                               "failed finding central directory")
        first = infos[0].filename
        self.prefix = first.split("/", 1)[0] + "/" if "/" in first else ""
        self._infos = {i.filename: i for i in infos}

    def has_record(self, name):
        return self.prefix + name in self._infos

    def get_record(self, name):
        info = self._infos.get(self.prefix + name)
        if info is None:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: "
                               "file not found")
        return self._zip.read(info)

    def record_offset(self, name):
        """Where the record's bytes start in the file (past its local header)."""
        info = self._infos[self.prefix + name]
        self._fh.seek(info.header_offset)
        head = self._fh.read(30)
        fn_len, extra_len = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + fn_len + extra_len

    def record_size(self, name):
        return self._infos[self.prefix + name].file_size

    def close(self):
        self._zip.close()
