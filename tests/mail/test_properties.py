"""Property tests of the intake: for any bytes, however mangled,

(a) recording either succeeds or raises a Charter error (never anything else), and
(b) a refused message leaves nothing behind: no subject, value, record or mention.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charter.errors import CharterError
from charter.mail.service import record_correspondence
from charter.runtime import Runtime

from .factories import ACTOR, build_email, counts

HEADERS = st.sampled_from(
    [
        b"From: jane.doe@example.com",
        b"From: =?utf-8?b?SmFuZQ==?= <jane.doe@example.com>",
        b"From: <>",
        b"From: jane@",
        b"From: a@b.c, d@e.f",
        b'From: "unterminated <jane.doe@example.com>',
        b"From: (comment (nested) jane.doe@example.com",
        b"Subject: =?x-unknown?q?=FF=FE?=",
        b"Subject: =?utf-8?b?!!!?=",
        b"Message-ID: <a@b>",
        b"Message-ID:",
        b"Content-Type: multipart/mixed; boundary=zz",
        b"Content-Type: multipart/alternative",
        b"Content-Type: text/html; charset=utf-7",
        b"Content-Type: text/plain; charset=rot13",
        b'Content-Type: text/plain; charset=""',
        b"Content-Type: message/rfc822",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Content-Disposition: attachment; filename*=utf-8''%FF",
        b"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes",
        b"X-Folded: a\r\n  b\r\n\tc",
    ]
)
BODIES = st.sampled_from(
    [
        b"--zz\r\nContent-Type: text/plain\r\n\r\nhello\r\n--zz--\r\n",
        b"--zz\r\n\r\n--zz\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz",
        b"<p>Hi <b>there</p><!-- unterminated <![CDATA[ x",
        b"=E9=\r\n=ZZ",
        b"SGVsbG8=\r\n!!!",
        b"+AGEAYgBj-",
        b"I was diagnosed with diabetes; call 0117 496 0123 or bob@example.org.",
    ]
)
ASSEMBLED = st.builds(
    lambda headers, body, junk, ending: ending.join([*headers, b""]) + ending + body + junk,
    st.lists(HEADERS, max_size=8),
    BODIES,
    st.binary(max_size=64),
    st.sampled_from([b"\r\n", b"\n", b"\r"]),
)


@st.composite
def mangled(draw: st.DrawFn) -> bytes:
    """A well-formed email with a slice replaced by random bytes."""
    raw = build_email(
        body=draw(st.text(max_size=200)),
        subject=draw(
            st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=40)
        ),
        message_id=f"<{draw(st.integers(0, 10**6))}@example.com>",
    )
    start = draw(st.integers(0, len(raw)))
    end = draw(st.integers(start, min(len(raw), start + 40)))
    return raw[:start] + draw(st.binary(max_size=40)) + raw[end:]


MESSAGES = st.one_of(st.binary(max_size=2000), ASSEMBLED, mangled())


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=MESSAGES)
def test_any_bytes_are_recorded_or_refused_cleanly(runtime: Runtime, raw: bytes) -> None:
    before = counts(runtime)
    try:
        with runtime.unit() as work:
            result = record_correspondence(work, raw, received_via="eml", actor=ACTOR)
    except CharterError:
        assert counts(runtime) == before
    else:
        after = counts(runtime)
        if result.recorded:
            assert after["correspondence"] == before["correspondence"] + 1
        else:
            assert after["correspondence"] == before["correspondence"]
