"""The service's tests; a package so tests can import helpers from conftest."""
