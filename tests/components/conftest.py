"""Fixtures shared by the component tests: the base stack's program in each phase."""

import pytest

from tests.components.helpers import run, settings


@pytest.fixture(scope="module")
def base_private():
    return run(settings())


@pytest.fixture(scope="module")
def base_bootstrap():
    return run(settings(), "bootstrap")
