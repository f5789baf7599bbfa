"""Shared by the Partner Center client tests."""

import os

import pytest


def env(name):
    """A required setting: skip without it, except under CI=true, where no test may skip."""
    value = os.environ.get(name, "").strip()
    if not value:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not set, and under CI=true no test may skip")
        pytest.skip(f"{name} is not set")
    return value
