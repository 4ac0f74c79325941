"""Bootstrap CIDRs: --bootstrap-cidr, else vpc.publicAccessCIDRs, else the egress address; never
0.0.0.0/0 unless written out; a clear error when none can be found."""

import time

import pytest

from automation.errors import ConfigurationError
from automation.passes import resolve_bootstrap_cidrs
from tests.automation.helpers import settings


def no_lookup(timeout: float) -> str:
    raise AssertionError("the egress lookup must not run when CIDRs are known")


def test_the_flag_wins_over_the_stack_file():
    s = settings(cidr="10.0.0.0/16", publicAccessCIDRs=["198.51.100.0/24"])
    cidrs, source = resolve_bootstrap_cidrs(s, ["203.0.113.7/32"], egress_lookup=no_lookup)
    assert cidrs == ["203.0.113.7/32"] and source == "--bootstrap-cidr"


def test_the_stack_file_is_used_without_the_flag():
    s = settings(cidr="10.0.0.0/16", publicAccessCIDRs=["198.51.100.0/24", "203.0.113.0/28"])
    cidrs, source = resolve_bootstrap_cidrs(s, [], egress_lookup=no_lookup)
    assert cidrs == ["198.51.100.0/24", "203.0.113.0/28"]
    assert "vpc.publicAccessCIDRs" in source and "Pulumi.demo.yaml" in source


def test_a_bare_address_in_the_flag_becomes_a_host_cidr_and_duplicates_go():
    cidrs, _ = resolve_bootstrap_cidrs(settings(), ["203.0.113.7", "203.0.113.7/32"], egress_lookup=no_lookup)
    assert cidrs == ["203.0.113.7/32"]


def test_a_bad_flag_is_bad_input():
    with pytest.raises(ConfigurationError, match="not a CIDR"):
        resolve_bootstrap_cidrs(settings(), ["not-a-cidr"], egress_lookup=no_lookup)


def test_the_egress_address_is_the_fallback_as_a_host_cidr():
    cidrs, source = resolve_bootstrap_cidrs(settings(), [], egress_lookup=lambda timeout: "203.0.113.9\n")
    assert cidrs == ["203.0.113.9/32"] and source == "egress address lookup"


def test_an_ipv6_egress_address_is_a_slash_128():
    cidrs, _ = resolve_bootstrap_cidrs(settings(), [], egress_lookup=lambda timeout: "2001:db8::5")
    assert cidrs == ["2001:db8::5/128"]


def raise_unreachable(timeout: float) -> str:
    raise OSError("network is unreachable")


@pytest.mark.parametrize("lookup", [raise_unreachable, lambda t: "<html>proxy error</html>", lambda t: ""])
def test_a_failed_lookup_is_a_clear_error_naming_both_ways_out(lookup):
    with pytest.raises(ConfigurationError) as e:
        resolve_bootstrap_cidrs(settings(), [], egress_lookup=lookup)
    message = str(e.value)
    assert "--bootstrap-cidr" in message and "vpc.publicAccessCIDRs" in message and "Pulumi.demo.yaml" in message


def test_no_lookup_configured_is_a_clear_error():
    with pytest.raises(ConfigurationError, match="--bootstrap-cidr"):
        resolve_bootstrap_cidrs(settings(), [], egress_lookup=None)


def test_the_lookup_is_time_bounded():
    def hang(timeout: float) -> str:
        time.sleep(30)
        return "203.0.113.1"

    started = time.monotonic()
    with pytest.raises(ConfigurationError, match="no answer within"):
        resolve_bootstrap_cidrs(settings(), [], egress_lookup=hang, timeout=0.2)
    assert time.monotonic() - started < 3


def test_the_whole_internet_is_never_chosen_implicitly():
    # No CIDR anywhere and no egress address: an error, not 0.0.0.0/0.
    with pytest.raises(ConfigurationError):
        resolve_bootstrap_cidrs(settings(), [], egress_lookup=raise_unreachable)


def test_the_whole_internet_is_used_when_written_out():
    cidrs, _ = resolve_bootstrap_cidrs(settings(), ["0.0.0.0/0"], egress_lookup=no_lookup)
    assert cidrs == ["0.0.0.0/0"]


# ------------------------------------------------------------------------------ wide windows


@pytest.mark.parametrize("cidrs, words", [
    (["0.0.0.0/0.0.0.0"], "whole internet (IPv4)"),
    (["0:0:0:0:0:0:0:0/0"], "whole internet (IPv6)"),
    (["0.0.0.0/1", "128.0.0.0/1"], "whole internet (IPv4)"),
    (["10.0.0.0/8"], "as many addresses as a /8 of IPv4"),
    (["11.0.0.0/9", "11.128.0.0/9", "203.0.113.7/32"], "as many addresses as a /8 of IPv4"),
    (["2001:db8::/32"], "as many addresses as a /32 of IPv6"),
])
def test_a_very_wide_window_is_named_however_it_is_spelled(cidrs, words):
    from components.settings import wide_window

    assert words in (wide_window(cidrs) or "")


def test_a_window_of_a_few_networks_is_not_called_wide():
    from components.settings import wide_window

    assert wide_window(["203.0.113.7/32", "198.51.100.0/24", "10.0.0.0/9"]) is None


def test_the_stack_files_wide_cidrs_are_warned_about_by_validation():
    from components.settings import settings_from_document

    s = settings_from_document({"config": {"aws:region": "us-west-2", "private-eks:cluster": {
        "metadata": {"name": "c"}, "vpc": {"publicAccessCIDRs": ["0.0.0.0/1", "128.0.0.0/1"]}}}},
        stack="t", source="Pulumi.t.yaml")
    assert any(w.startswith("vpc.publicAccessCIDRs:") and "whole internet" in w for w in s.warnings)


@pytest.mark.parametrize("value", ["203.0.113.7/3", "203.0.113.7/24", "2001:db8::1/64"])
def test_a_flag_with_host_bits_is_refused_as_the_stack_file_refuses_it(value):
    """The stack file parses CIDRs strictly (components/settings/network.py `_network`); the flag too:
    203.0.113.7/3 is a typo for /32, not a wish for 192.0.0.0/3."""
    with pytest.raises(ConfigurationError, match="host bits set"):
        resolve_bootstrap_cidrs(settings(), [value], egress_lookup=no_lookup)
