"""Shared fixtures: the PyTorch oracle (tests that need it skip only when it is absent)."""
import pytest


@pytest.fixture(scope="session")
def torch():
    return pytest.importorskip("torch")
