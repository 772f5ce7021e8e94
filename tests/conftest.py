import os

import pytest

from tests.live import LiveStack


def stack_kind() -> str:
    """Which real stack the live tests run against; ./test runs the suite once per kind."""
    return os.environ.get("BUGSINK_TEST_STACK", "embedded")


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory) -> LiveStack:
    stack = LiveStack(stack_kind(), tmp_path_factory.mktemp("live"))
    stack.start()
    yield stack
    stack.stop()
