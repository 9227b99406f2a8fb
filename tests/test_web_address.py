"""Which addresses the web reader refuses: every non-public range, every spelling, any text at all."""

from __future__ import annotations

import ipaddress

import httpcore2
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from helpers.tools import web
from helpers.tools.address import IPAddress, PageError, is_public, parse_url
from helpers.tools.web import check_url

PUBLIC_ONLY = "; this reader reads only public addresses"
LINK_LOCAL = "a link-local address (cloud metadata services live there)"
NON_PUBLIC = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "::ffff:0:0/96",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
    "2001:db8::/32",
]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address (this machine)"),
        ("http://127.1/", "127.0.0.1 is a loopback address (this machine)"),
        ("http://2130706433/", "127.0.0.1 is a loopback address (this machine)"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback address (this machine)"),
        ("http://0177.0.0.1/", "127.0.0.1 is a loopback address (this machine)"),
        ("http://0x7F000001./", "127.0.0.1 is a loopback address (this machine)"),
        ("http://[::1]:8000/", "::1 is a loopback address (this machine)"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 is a loopback address (this machine)"),
        ("http://[2002:7f00:1::]/", "2002:7f00:1:: is a loopback address (this machine)"),
        ("http://localhost:8000/", "localhost (127.0.0.1) is a loopback address (this machine)"),
        ("http://API.localhost./", "api.localhost (127.0.0.1) is a loopback address (this machine)"),
        ("http://ｌｏｃａｌｈｏｓｔ/", "localhost (127.0.0.1) is a loopback address (this machine)"),
        ("http://169.254.169.254/latest/", f"169.254.169.254 is {LINK_LOCAL}"),
        ("http://[fe80::1]/", f"fe80::1 is {LINK_LOCAL}"),
        ("http://10.0.0.1/", "10.0.0.1 is a private-network address"),
        ("http://172.16.5.4/", "172.16.5.4 is a private-network address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private-network address"),
        ("http://192.168.257/", "192.168.1.1 is a private-network address"),
        ("http://[fd00:ec2::254]/", "fd00:ec2::254 is a private-network address"),
        ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://[ff02::1]/", "ff02::1 is a multicast address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("http://0/", "0.0.0.0 is an unspecified address"),
        ("http://[::]/", ":: is an unspecified address"),
        ("http://255.255.255.255/", "255.255.255.255 is a private-network address"),
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused_in_every_spelling(url: str, message: str) -> None:
    with pytest.raises(PageError) as raised:
        check_url(url)
    assert str(raised.value) == message + PUBLIC_ONLY


def test_a_caller_can_allow_a_network_on_purpose() -> None:
    assert check_url("http://127.1:8000/", allowed_networks=["127.0.0.1/32"]) == "127.0.0.1"
    with pytest.raises(PageError, match="127.0.0.2 is a loopback"):
        check_url("http://127.0.0.2/", allowed_networks=["127.0.0.1/32"])


@given(st.sampled_from(NON_PUBLIC).flatmap(lambda net: st.ip_addresses(network=net)))
def test_no_address_in_a_non_public_range_is_public(ip: IPAddress) -> None:
    assert not is_public(ip)


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_inside_ipv6_is_judged_as_itself(ip: ipaddress.IPv4Address) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80))
    assert not is_public(mapped)  # ::ffff:0:0/96 is never routed as IPv6
    assert is_public(ip) or not is_public(sixtofour)


@given(st.ip_addresses(v=4))
def test_every_spelling_of_an_ipv4_address_is_the_same_host(ip: ipaddress.IPv4Address) -> None:
    n = int(ip)
    spellings = [str(n), hex(n), f"{n >> 24}.{n & 0xFFFFFF}", f"0{n >> 24:o}.{(n >> 16) & 255}.{n & 0xFFFF}"]
    assert {parse_url(f"http://{s}/").host for s in spellings} == {str(ip)}


URL_PARTS = st.sampled_from(
    ["http://", "https://", "HTTP://", "file://", "javascript:", "ftp://", "//", "http:", "http:///", ""]
)
NASTY = st.sampled_from(
    ["\t", "\n", "\r", "\x00", "\x7f", " ", "\u202e", "\u200b", "\ufeff", "@", "\\", "%00", "[", "]",
     ":", "#", "?", "..", "xn--", "ｌｏｃａｌｈｏｓｔ", "bücher", "0x7f", "127.1", "[::1]", ":99999",
     "user:pw@", "a" * 70]
)  # fmt: skip


@given(st.lists(st.one_of(URL_PARTS, NASTY, st.text(max_size=20)), max_size=8).map("".join))
@example("0000\x08\U00018cd6" * 30)  # escapes ten times longer than the characters
def test_any_text_is_a_host_or_a_page_error(url: str) -> None:
    try:
        host = check_url(url)
    except PageError as error:
        assert "\n" not in str(error) and len(str(error)) < 300
    else:
        assert host == parse_url(url).host and host.isascii() and host.isprintable()


@given(st.lists(st.one_of(URL_PARTS, NASTY, st.text(max_size=20)), max_size=8).map("".join))
def test_fetch_text_on_any_text_is_a_page_error(url: str) -> None:
    # No network: names resolve to a private address, and a public IP's connection is refused here.
    def no_connection(*args: object, **kwargs: object) -> None:
        raise httpcore2.ConnectError("no network in tests")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(web, "resolve", lambda *args: [ipaddress.ip_address("10.0.0.1")])
        patch.setattr(web.PinnedBackend, "connect_tcp", no_connection)
        with pytest.raises(PageError) as raised:
            web.fetch_text(url, timeout=1.0)
    assert "\n" not in str(raised.value)


@given(st.text(min_size=2049, max_size=5000))
def test_a_huge_address_is_refused_by_its_length(url: str) -> None:
    with pytest.raises(PageError, match=r"^the address is [\d,]+ characters long; at most 2,048 are read$"):
        check_url("https://" + url)


@given(st.one_of(st.integers(), st.none(), st.binary(), st.lists(st.text())))
def test_an_address_that_is_not_a_string_is_a_page_error(url: object) -> None:
    with pytest.raises(PageError, match="^the address must be a string, not "):
        check_url(url)  # type: ignore[arg-type]
