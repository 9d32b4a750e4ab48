"""Keep database passwords out of pytest's failure reports (a pytest plugin conftest.py loads).

A failed test's traceback, its `--showlocals` variables and its captured output can all hold a
connection's URL or the arguments a driver was called with; each report is redacted before
pytest prints it, for every URL the tests may use.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from alembic_steward._wiring import get_settings
from alembic_steward.urls import redact_password

# The variables a test run reads database URLs from (testing/_fixtures.py, app/settings.py).
URL_VARIABLES = ("TEST_DATABASE_URL", "DATABASE_URL")


def urls_in_use() -> list[str]:
    """Every database URL this run may connect with: the environment's and the settings'."""
    urls = [os.environ.get(name, "") for name in URL_VARIABLES]
    # A URL the settings refuse came from one of the variables, so it is in the list already.
    with contextlib.suppress(Exception):
        urls.append(get_settings().database.value)
    return [url for url in urls if "://" in url]


def without_passwords(text: str) -> str:
    """``text`` with the password field of every URL, and every password argument, replaced."""
    return redact_password(text, *urls_in_use())


def redact(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Replace a failed report's traceback and captured sections with redacted text."""
    if not report.failed:
        return
    if report.longrepr is not None:
        text = str(report.longrepr)
        redacted = without_passwords(text)
        if redacted != text:
            # A plain string is a longrepr pytest prints as it is.
            report.longrepr = redacted
    report.sections = [(name, without_passwords(content)) for name, content in report.sections]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    redact(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    redact(outcome.get_result())
