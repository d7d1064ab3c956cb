"""`intake`: run the bot, classify text, evaluate the classifier, check the lexicon."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.settings import Settings

NO_TOKEN = """\
未设置 TELEGRAM_BOT_TOKEN，机器人无法连接 Telegram。
TELEGRAM_BOT_TOKEN is not set, so the bot cannot connect to Telegram.

获取令牌 / To get a token:
  1. 在 Telegram 中与 @BotFather 对话，发送 /newbot，按提示为机器人命名；
     In Telegram, talk to @BotFather, send /newbot and follow the prompts.
  2. 把它给您的令牌写入环境变量或项目目录下的 .env 文件：
     Put the token it gives you in the environment or in a .env file here:
        TELEGRAM_BOT_TOKEN=123456:ABC...
  3. 再次运行 make run / Run make run again.

不连 Telegram 试用 / To try without Telegram:
  .venv/bin/intake console   (在终端里和机器人对话 / talk to the bot in a terminal)
  .venv/bin/intake classify "楼下垃圾三天没人收"   (看机器人如何理解一条留言 / see how a message is understood)
"""


def _settings() -> Settings:
    return Settings()


def _classifier(settings: Settings):  # type: ignore[no-untyped-def]
    from intents import Classifier

    return Classifier.from_files(settings.lexicon_path)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.telegram_bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import Webhook, run_bot

    webhook = None
    if args.webhook_url:
        # Telegram posts to https:// only; a local telegram-bot-api server also to http://.
        if not args.webhook_url.startswith("https://") and not settings.telegram_api_base:
            print("--webhook-url 必须是 https:// 地址 / must be an https:// URL "
                  "(Telegram sends webhooks over HTTPS only)", file=sys.stderr)
            return 2
        host, _, port = args.listen.rpartition(":")
        if not host or not port.isdigit():
            print(f"--listen 应为 主机:端口 / must be HOST:PORT, got {args.listen!r}",
                  file=sys.stderr)
            return 2
        webhook = Webhook(args.webhook_url, host.strip("[]"), int(port))
    return run_bot(settings, webhook)


def cmd_console(args: argparse.Namespace) -> int:
    from bot.app import run_console

    return run_console(_settings(), args.database)


def _explain(text: str, result) -> str:  # type: ignore[no-untyped-def]
    from intents.model import CATEGORIES, INTENTS

    script = "繁体" if result.script == "traditional" else "简体"
    lines = [
        f"文本      {text}",
        f"规范化    {result.normalized}  ({script})",
        f"意图      {result.intent} {INTENTS[result.intent]}",
    ]
    if result.category:
        lines.append(
            f"类别      {result.category} {CATEGORIES[result.category]}  "
            f"置信度 {result.confidence:.2f}"
        )
    else:
        lines.append(f"置信度    {result.confidence:.2f}")
    lines.append(f"紧急      {'是' if result.urgent else '否'}")
    lines.append(f"地点      {result.location or '—'}")
    if result.matches:
        lines.append("依据")
        for m in result.matches:
            how = f"“{m.found}” 拼音近似" if m.fuzzy else "命中"
            lines.append(f"  {m.points:+5.1f}  {m.target:<13} {m.cue}  ({how})")
    if result.scores:
        board = ", ".join(f"{c} {s:.1f}" for c, s in result.scores)
        lines.append(f"类别得分  {board}")
    return "\n".join(lines)


def cmd_classify(args: argparse.Namespace) -> int:
    classifier = _classifier(_settings())
    if args.jsonl:
        for number, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                print(f"line {number}: skipped, needs a JSON object with a text: {exc}",
                      file=sys.stderr)
                continue
            row = {"text": text, **classifier.classify(text).to_dict()}
            print(json.dumps(row, ensure_ascii=False), flush=False)
        return 0
    if not args.text:
        print("请给出要分类的文本 / give the text to classify: intake classify \"文本\"",
              file=sys.stderr)
        return 2
    text = " ".join(args.text)
    print(_explain(text, classifier.classify(text)))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from intents.evaluate import (
        NO_SKLEARN,
        baseline_predictions,
        load_examples,
        predict,
        report,
        score,
    )

    classifier = _classifier(_settings())
    examples = load_examples(Path(args.file))
    ours = score(examples, predict(classifier, examples))
    baseline = None
    if not args.no_baseline:
        predictions = baseline_predictions(examples, classifier.tokens)
        baseline = score(examples, predictions) if predictions else None
    why = "(baseline skipped: --no-baseline)" if args.no_baseline else NO_SKLEARN
    print(report(examples, ours, baseline, args.file, why))
    return 0


def cmd_lexicon_check(args: argparse.Namespace) -> int:
    from intents.lexicon import check_lexicon, default_lexicon_path

    path = Path(args.file) if args.file else _settings().lexicon_path or default_lexicon_path()
    findings = check_lexicon(path)
    for finding in findings:
        print(finding)
    errors = sum(f.level == "error" for f in findings)
    print(f"{path}: {errors} error(s), {len(findings) - errors} warning(s)")
    return 1 if errors else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="intake", description="社区网格智能受理助手")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (polling, or a webhook with --webhook-url)")
    run.add_argument("--webhook-url", metavar="URL",
                     help="receive updates at this https:// URL instead of polling")
    run.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT",
                     help="where the webhook server listens, behind your HTTPS proxy "
                          "(default 127.0.0.1:8080)")
    run.set_defaults(func=cmd_run)

    console = sub.add_parser("console", help="talk to the bot in this terminal, no Telegram")
    console.add_argument("--database", default="sqlite+aiosqlite:///intake-console.db",
                         metavar="URL", help="the console's own database (default: "
                         "intake-console.db here; never a live bot's, whose messages it would "
                         "take)")
    console.set_defaults(func=cmd_console)

    classify = sub.add_parser("classify", help="classify a message and explain why")
    classify.add_argument("text", nargs="*", help="the message")
    classify.add_argument("--jsonl", action="store_true",
                          help="read JSON lines with a text field on stdin, write JSON lines")
    classify.set_defaults(func=cmd_classify)

    evaluate = sub.add_parser("eval", help="score the classifier on a labelled JSONL file")
    evaluate.add_argument("file")
    evaluate.add_argument("--no-baseline", action="store_true",
                          help="skip the TF-IDF + logistic regression baseline")
    evaluate.set_defaults(func=cmd_eval)

    lexicon = sub.add_parser("lexicon", help="work with the lexicon")
    lexicon_sub = lexicon.add_subparsers(dest="lexicon_command", required=True)
    check = lexicon_sub.add_parser("check", help="validate the lexicon file")
    check.add_argument("file", nargs="?", help="lexicon TOML (default: the one in use)")
    check.set_defaults(func=cmd_lexicon_check)

    for register in _extensions():
        register(sub, _settings)
    return parser


def _extensions() -> list[Callable[..., None]]:
    """Subcommands of other areas (storage, grids) that register themselves."""
    from bot.grids_import import register as register_grids

    found: list[Callable[..., None]] = [register_grids]
    try:
        from bot.cli_storage import register
    except ImportError:
        return found
    return [register, *found]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
