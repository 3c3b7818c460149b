"""kindling benchmarks: every figure measured beside NumPy and PyTorch in the same process."""
