"""NO_PROXY computation and the proxy warnings (docs/architecture.md §6, eksctl's proxy guidance)."""

from automation import proxy
from tests.automation.helpers import settings

REQUIRED = [".eks.amazonaws.com", "10.0.0.0/16", "169.254.169.254"]


def test_without_a_proxy_nothing_is_set():
    assert proxy.proxy_environment({}, settings()) == {}
    assert proxy.proxy_warnings({}, settings()) == []


def test_with_a_proxy_the_eks_domain_the_vpc_and_imds_bypass_it():
    env = proxy.proxy_environment({"HTTPS_PROXY": "http://proxy:3128"}, settings())
    assert env == {"NO_PROXY": ",".join(REQUIRED), "no_proxy": ",".join(REQUIRED)}


def test_any_of_the_four_proxy_variables_counts():
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        assert proxy.proxy_configured({name: "http://p:3128"})
    assert not proxy.proxy_configured({"HTTPS_PROXY": ""})


def test_existing_entries_are_kept_first_and_nothing_is_listed_twice():
    env = {"HTTP_PROXY": "http://p", "NO_PROXY": "localhost,.eks.amazonaws.com", "no_proxy": "localhost, .corp"}
    value = proxy.no_proxy_value(env, settings())
    assert value.split(",") == ["localhost", ".eks.amazonaws.com", ".corp", "10.0.0.0/16", "169.254.169.254"]


def test_the_vpc_cidr_is_the_configured_one():
    s = settings(cidr="10.42.0.0/16")
    assert "10.42.0.0/16" in proxy.no_proxy_value({}, s).split(",")


def test_an_existing_vpc_with_its_cidr_given_uses_it():
    s = settings(id="vpc-1", cidr="172.16.0.0/16",
                 subnets={"private": {"us-west-2a": {"id": "subnet-a"}, "us-west-2b": {"id": "subnet-b"}}})
    assert proxy.vpc_cidrs(s) == ["172.16.0.0/16"]


def test_an_existing_vpc_without_a_cidr_is_warned_about_behind_a_proxy():
    s = settings(id="vpc-1", subnets={"private": {"us-west-2a": {"id": "subnet-a"}, "us-west-2b": {"id": "subnet-b"}}})
    assert proxy.vpc_cidrs(s) == []
    assert proxy.no_proxy_value({}, s).split(",") == [".eks.amazonaws.com", "169.254.169.254"]
    assert any("CIDR" in w for w in proxy.proxy_warnings({"HTTPS_PROXY": "http://p"}, s))


def test_extra_cidrs_from_the_stack_are_added():
    assert "10.9.0.0/16" in proxy.no_proxy_value({}, settings(), ["10.9.0.0/16"]).split(",")


def test_oidc_behind_a_proxy_warns_about_tls_interception_for_the_regions_oidc_host():
    warnings = proxy.proxy_warnings({"https_proxy": "http://p"}, settings(region="eu-west-1"))
    assert any("oidc.eu-west-1.amazonaws.com" in w and "TLS" in w for w in warnings)


def test_no_oidc_no_oidc_warning():
    warnings = proxy.proxy_warnings({"https_proxy": "http://p"}, settings(oidc=False))
    assert not any("oidc" in w for w in warnings)


def test_export_lines_are_for_both_spellings():
    lines = proxy.export_lines({"NO_PROXY": "localhost"}, settings())
    assert lines == [f"export NO_PROXY=localhost,{','.join(REQUIRED)}", f"export no_proxy=localhost,{','.join(REQUIRED)}"]


def test_export_lines_quote_what_a_shell_would_split():
    lines = proxy.export_lines({"NO_PROXY": "a b;c"}, settings())
    assert lines[0] == f"export NO_PROXY='a b;c,{','.join(REQUIRED)}'"
