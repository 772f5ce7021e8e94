# The monitors' fixtures (a project, a clock in the test's hand, private targets allowed).
from monitors.tests.conftest import allow_private, project, test_clock  # noqa: F401
