"""Whatever path the relay is handed, what it forwards stays on its own cluster's host: a path it
accepts cannot name another host, split the request line or leave the API's prefixes."""

from __future__ import annotations

import urllib.parse

from hypothesis import example, given, settings
from hypothesis import strategies as st

from components.relay import protocol
from tests.fuzz import examples

PIECES = st.sampled_from(["/", "//", "\\", "..", ".", "%2e", "%2F", "@", ":", "?", "#", "\r\n", " ", "\t", "\x00",
                          "api", "apis", "v1", "namespaces", "evil.example", "http:", "https:", "watch=true", "é"])
PATHS = st.one_of(st.text(max_size=60), st.lists(PIECES, max_size=12).map("".join))


@settings(max_examples=examples(5000))
@given(PATHS)
@example("//evil.example/api")
@example("/api@evil.example")
@example("/api/v1?x=//evil.example/")
def test_an_accepted_path_stays_on_the_clusters_host_and_under_the_api(path):
    try:
        accepted = protocol.check_path(path)
    except protocol.Refused as e:
        assert e.status in (400, 403, 414) and str(e)
        return
    url = urllib.parse.urlsplit("https://cluster.example" + accepted)
    assert url.netloc == "cluster.example"
    assert all(0x21 <= ord(c) <= 0x7E for c in accepted)
    route = accepted.split("?", 1)[0]
    assert any(route == p or route.startswith(p + "/") for p in protocol.API_PREFIXES)
    assert ".." not in route.split("/")
