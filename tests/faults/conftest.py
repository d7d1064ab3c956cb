"""The end-to-end fixtures (the fake Bot API server, both frameworks) for the fault tests."""

from tests.e2e.conftest import fake, framework  # noqa: F401
