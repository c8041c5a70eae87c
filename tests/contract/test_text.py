"""User-visible text refuses control characters, naming the field, and keeps emoji and every script."""

from __future__ import annotations

import pytest

from tests.stacks import Api

SAVE_PRESET = (
    "mutation S($i: StreamActionPresetInput!) { saveStreamActionPreset(input: $i) { streamActionPresets { name } } }"
)
NOTICE = {"notice": {"title": "Hello", "message": "Welcome", "duration": 10}}


@pytest.mark.parametrize(
    ("preset", "field", "char"),
    [
        ({"name": "bad\u0000name", "action": NOTICE}, "input.name", "U+0000"),
        (
            {"name": "ok", "action": {"notice": {**NOTICE["notice"], "title": "ti\u001btle"}}},
            "input.notice.title",
            "U+001B",
        ),
        (
            {"name": "ok", "action": {"notice": {**NOTICE["notice"], "message": "two\nlines"}}},
            "input.notice.message",
            "U+000A",
        ),
        (
            {"name": "ok", "action": {"notice": {**NOTICE["notice"], "message": "c1\u0085end"}}},
            "input.notice.message",
            "U+0085",
        ),
        ({"name": "evil\u202etxt.exe", "action": NOTICE}, "input.name", "U+202E"),
        (
            {
                "name": "ok",
                "action": {
                    "quiz": {
                        "question": "q?",
                        "answers": ["a", "b\u007f", "c"],
                        "correctAnswerIndex": 0,
                        "duration": 10,
                    }
                },
            },
            "input.quiz.answers[1]",
            "U+007F",
        ),
    ],
)
async def test_control_characters_are_refused_naming_the_field_and_nothing_is_stored(
    api: Api, preset: dict, field: str, char: str
) -> None:
    # GIVEN a streamer
    user = await api.provisioned("texter")
    # WHEN they save an overlay preset whose text holds a control character
    reply = await api.as_user(user, SAVE_PRESET, {"i": preset})
    # THEN it is refused, naming the field and the character
    assert reply.error_types() == ["ValidationError"]
    assert reply.errors[0]["message"] == f"{field}: must not contain control characters (found {char})"
    # AND nothing was stored
    me = await api.as_user(user, "{ me { streamActionPresets { name } } }")
    assert me.data == {"me": {"streamActionPresets": []}}


async def test_emoji_and_other_scripts_are_kept(api: Api) -> None:
    # GIVEN a streamer
    user = await api.provisioned("texter")
    # WHEN their preset and notice use emoji (with a zero-width joiner), accents and other scripts
    name = "🎉 Fête 👩‍👩‍👧 配信"
    notice = {"notice": {"title": "Привет ✨", "message": "مرحبا — こんにちは 🙌🏽", "duration": 10}}
    reply = await api.as_user(user, SAVE_PRESET, {"i": {"name": name, "action": notice}})
    # THEN they are saved as written
    assert reply.errors == [], reply.body
    assert reply.data["saveStreamActionPreset"]["streamActionPresets"] == [{"name": name}]


async def test_a_chat_deletion_reason_with_a_control_character_is_refused(api: Api) -> None:
    user = await api.provisioned("texter")
    reply = await api.as_user(user, 'mutation { deleteChatMessage(messageId: "abcdefABCDEF", reason: "spam\\u0000") }')
    assert reply.error_types() == ["ValidationError"]
    assert reply.errors[0]["message"] == "reason: must not contain control characters (found U+0000)"
