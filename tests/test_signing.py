from __future__ import annotations

import hashlib
import hmac

import pytest

from leadform.notifications.signing import signature_header, verify

SECRET = "whsec-0123456789abcdef"
BODY = '{"reference":"ABCD2345","name":"陳大文"}'.encode()
T = 1_795_658_400


def test_header_is_stripe_style_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1795658400." + BODY, hashlib.sha256).hexdigest()
    assert signature_header(SECRET, T, BODY) == f"t=1795658400,v1={expected}"


def test_receiver_accepts_our_signature() -> None:
    assert verify(SECRET, signature_header(SECRET, T, BODY), BODY, now=T + 10)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("another-secret-000000", BODY, T),  # someone else's signature
        (SECRET, BODY.replace(b"2345", b"2346"), T),  # body changed on the way
        (SECRET, BODY, T + 301),  # replayed later than the tolerance
        (SECRET, BODY, T - 301),
    ],
)
def test_receiver_refuses_a_wrong_changed_or_stale_request(
    secret: str, body: bytes, now: int
) -> None:
    assert not verify(secret, signature_header(SECRET, T, BODY), body, now)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=1795658400", "garbage"])
def test_receiver_refuses_a_malformed_header(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=T)


def test_the_receiver_example_in_the_docs_verifies_our_signature() -> None:
    import re
    import time

    from tests.conftest import ROOT

    docs = (ROOT / "docs" / "notifications.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", docs, re.DOTALL)
    assert example is not None
    namespace: dict[str, object] = {}
    exec(example.group(1), namespace)
    check = namespace["verify_leadform_request"]
    now = int(time.time())
    header = signature_header(SECRET, now, BODY)
    assert check(SECRET, header, BODY)  # type: ignore[operator]
    assert not check(SECRET, header, BODY + b" ")  # type: ignore[operator]
    assert not check(SECRET, signature_header(SECRET, now - 3600, BODY), BODY)  # type: ignore[operator]
