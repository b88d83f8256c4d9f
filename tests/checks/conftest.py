"""Set-up for the checks' tests: the legacy and lambda models they build make Keras warn, on purpose."""

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.parent.name == "checks":
            item.add_marker(pytest.mark.filterwarnings("ignore::UserWarning"))
