import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import cvisor  # noqa: E402


@pytest.fixture(autouse=True)
def _no_qemu_outlives_its_test():
    """A test that fails (or forgets) leaves no QEMU behind."""
    yield
    cvisor.close_all_machines()
