"""The registry's cast (its ``registry`` and ``move_in`` fixtures) for card-holder tests."""

from tests.integration.registry.conftest import move_in, registry  # noqa: F401
