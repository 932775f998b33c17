"""The bench's reading of py-spy's collapsed stacks (deploy/bench/profiles.py)."""

from deploy.bench.profiles import frame_name, summarise

P = 'process 41:"python -m services.notifications"'
COLLAPSED = """\
P;run (asyncio/runners.py:118);render (/x/services/notifications/mail/rendering.py:85) 6
P;run (asyncio/runners.py:118);send (/v/site-packages/aiosmtplib/smtp.py:10) 3
P;run (asyncio/runners.py:118) 1
""".replace("P;", P + ";")


def test_frames_are_named_by_package_path_and_function():
    assert (
        frame_name("render (/x/services/notifications/mail/rendering.py:85)")
        == "notifications/mail/rendering.py:render"
    )
    assert frame_name("send (/v/site-packages/aiosmtplib/smtp.py:10)") == "aiosmtplib/smtp.py:send"


def test_self_shares_of_every_frame_and_inclusive_shares_of_our_code():
    profile = summarise(COLLAPSED)
    assert profile.samples == 10
    assert profile.self_top[0] == ("notifications/mail/rendering.py:render", 0.6)
    assert profile.inclusive_top == [("notifications/mail/rendering.py:render", 0.6)], "our own code only"


def test_an_empty_profile_has_no_shares():
    assert summarise("") == summarise("garbage without counts")
