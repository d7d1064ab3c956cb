"""aiogram's types imported with their validators deferred (bot/adapters/aiogram_types.py)
still build, every one of them, and validate what Telegram sends. In a fresh interpreter:
in this one aiogram may have been imported already, the usual way."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent('''
    import inspect

    import pydantic

    from bot.adapters.aiogram_types import import_types

    assert import_types()
    import aiogram.methods as methods
    import aiogram.types as types
    from aiogram.methods.base import Response

    assert not types.Update.__pydantic_complete__  # nothing built at import

    def build_all():
        built = 0
        for module in (types, methods):
            for name in module.__all__:
                cls = getattr(module, name)
                if inspect.isclass(cls) and issubclass(cls, pydantic.BaseModel):
                    cls.__pydantic_validator__.validate_python  # builds it, or raises
                    assert cls.__pydantic_complete__, name
                    built += 1
        return built

    def use():
        update = types.Update.model_validate({
            "update_id": 7,
            "message": {
                "message_id": 1, "date": 0, "text": "楼道灯坏了",
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "居民"},
                "reply_to_message": {"message_id": 0, "date": 0,
                                     "chat": {"id": 5, "type": "private"}},
                "reply_markup": {"inline_keyboard": [[{"text": "好", "callback_data": "x"}]]},
            },
        })
        assert update.message.from_user.first_name == "居民"
        assert update.message.reply_to_message.message_id == 0
        sent = Response[types.Message].model_validate(
            {"ok": True, "result": {"message_id": 2, "date": 0,
                                    "chat": {"id": 5, "type": "private"}}})
        assert sent.result.message_id == 2
        methods.SetMyCommands(commands=[types.BotCommand(command="my", description="我的")],
                              scope=types.BotCommandScopeAllPrivateChats())
        return build_all()

    print(use())
''')


def test_every_deferred_aiogram_model_builds_and_validates() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 400


def test_nothing_is_deferred_once_aiogram_is_imported() -> None:
    import aiogram.types  # noqa: F401

    from bot.adapters.aiogram_types import import_types

    assert import_types() is False
