"""How the runner names a state backend in its errors: where it points, never its secrets."""

from __future__ import annotations

import pytest

from automation.workspace import describe_backend


@pytest.mark.parametrize(("url", "shown"), [
    ("s3://team-state?endpoint=http://127.0.0.1:9&use_path_style=true&region=us-east-1",
     "s3://team-state (endpoint 127.0.0.1:9)"),
    ("s3://team-state/private-eks?region=eu-west-1", "s3://team-state/private-eks"),
    ("s3://team-state?endpoint=minio.internal:9000", "s3://team-state (endpoint minio.internal:9000)"),
    ("file:///srv/state", "file:///srv/state"),
    ("https://api.pulumi.example.com", "https://api.pulumi.example.com"),
])
def test_the_scheme_host_and_path_are_named(url, shown):
    assert describe_backend(url) == shown


@pytest.mark.parametrize("url", [
    "https://user:s3cret@api.pulumi.example.com",
    "azblob://state?storage_account=acct&sas_token=s3cret",
    "s3://state?endpoint=https://user:s3cret@minio.internal&region=us-east-1",
])
def test_credentials_in_the_url_are_left_out(url):
    assert "s3cret" not in describe_backend(url)


@pytest.mark.parametrize(("url", "shown"), [
    ("s3://state?endpoint=http://127.0.0.1:notaport", "s3://state (endpoint 127.0.0.1)"),
    ("team-state", "(a URL without a scheme)"),
    ("", "(none)"),
])
def test_a_malformed_url_is_described_without_failing(url, shown):
    assert describe_backend(url) == shown
