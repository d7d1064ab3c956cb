"""The classifier as a resident meets it. Sentences here are written for the tests, in the
ways residents talk; the dev set is kept for measuring, not for asserting."""

import pytest

from intents import CATEGORIES, Classification


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("车棚里的电瓶车充电口全坏了，充不进电", "charging"),
        ("有人从窗户拉电线下来给电动车充电", "charging"),
        ("垃圾桶满出来了，臭气熏天也没人清", "sanitation"),
        ("绿化带里被人开荒种菜了", "sanitation"),
        ("隔壁装修天天电钻响，中午都不停", "noise"),
        ("晚上十二点了工地还在施工，吵得睡不着", "noise"),
        ("路面塌了一个大坑", "road"),
        ("路口红绿灯不亮了", "road"),
        ("小区门口天天有人乱停车，车都开不出去", "traffic"),
        ("物业收了钱什么都不管，保安也经常不在岗", "property"),
        ("三楼走廊的灯一直不亮", "property"),  # a corridor's lamp, as 楼道灯; not a dispute
        ("电梯老是突然停住，门也关不上", "elevator"),
        ("家里停水一整天了也没有通知", "utilities"),
        ("暖气一点都不热，屋里才十几度", "utilities"),
        ("楼道里堆满了纸箱杂物，消防通道全堵死了", "safety"),
        ("对门邻居把鞋柜放在公共走廊上，说了也不听", "dispute"),
        ("楼上的独居老人腿脚不便，想申请上门送餐", "elderly"),
        ("公园里的健身器材坏了好久", "greenery"),
        ("楼顶有人私自加盖了一间房", "construction"),
        ("楼下有人遛狗不牵绳，孩子都吓哭了", "pets"),
        ("想问一下居住证怎么办理，需要什么材料", "services"),
        ("我妈接到冒充公安的电话让她转账", "security"),
        ("建议小区多装几个休息的长椅，老人走累了没地方坐", "suggestion"),
    ],
)
def test_reports_land_in_their_category(classifier, text, category):
    result = classifier.classify(text)
    assert (result.intent, result.category) == ("report", category), result.scores


def test_traditional_script_is_understood_and_remembered(classifier):
    result = classifier.classify("樓下的垃圾桶三天沒人清理了")
    assert (result.intent, result.category, result.script) == (
        "report", "sanitation", "traditional"
    )


def test_homophone_typo_still_finds_the_category(classifier):
    result = classifier.classify("充电装插上去没反应")
    assert result.category == "charging"
    assert any(m.fuzzy and m.found == "充电装" for m in result.matches)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("您好", "greeting"),
        ("有人在吗", "greeting"),
        ("谢谢你们，辛苦了", "thanks"),
        ("这个机器人怎么用", "help"),
        ("你能帮我做什么", "help"),
        ("算了，不报了", "cancel"),
        ("我之前反映的问题有进展了吗", "status_query"),
        # names a category, but asks about an earlier report
        ("上个月报的路灯到底修了没有", "status_query"),
        ("楼下那个井盖修好了没", "status_query"),
        ("我报的井盖怎么样了", "status_query"),
    ],
)
def test_other_intents(classifier, text, intent):
    result = classifier.classify(text)
    assert result.intent == intent, result.matches
    assert result.category is None
    assert not result.urgent


@pytest.mark.parametrize(
    ("text", "category"), [("井盖修好了没几天又松了", "road"), ("水管修好了没多久又漏水了", "utilities")])
def test_fixed_and_broken_again_is_a_report(classifier, text, category):
    """Not a question (修好了没) nor thanks (修好了)."""
    result = classifier.classify(text)
    assert (result.intent, result.category) == ("report", category), result.matches


def test_a_greeting_in_front_of_a_report_is_a_report(classifier):
    result = classifier.classify("你好，我们楼道的灯坏了一个星期了")
    assert result.intent == "report"


@pytest.mark.parametrize(
    "text",
    [
        "电梯卡在两层中间，里面困着一个老人",
        "楼道里冒烟了，好像有东西烧着了",
        "厨房一股很浓的煤气味",
        "隔壁独居的老大爷好几天没见人了，敲门也没人应",
        "人行道上的井盖没了，晚上有人差点掉下去",
        "三单元的电梯又关住人了",
        "我妈一个人住，电话一直打不通，麻烦上门看看",
    ],
)
def test_danger_now_is_urgent(classifier, text):
    assert classifier.classify(text).urgent


@pytest.mark.parametrize(
    "text",
    [
        "电梯每年的年检报告能不能贴出来",
        "建议社区组织一次消防演练",
        "路灯不亮了",
        "你好",
        "物业电话打了好几次都没人接",
        "电梯门关了就不动了",
    ],
)
def test_no_danger_is_not_urgent(classifier, text):
    assert not classifier.classify(text).urgent


def test_what_nearly_happened_is_the_hazard_not_a_fall(classifier):
    near = classifier.classify("小区东门口井盖松了，昨天一个老人差点绊倒")
    assert near.category == "road" and not near.urgent
    assert "elderly" not in dict(near.scores) or dict(near.scores)["elderly"] < 3
    fell = classifier.classify("小区东门口一个老人摔倒了，差点没起来")
    assert fell.category == "elderly" and fell.urgent  # a fall that happened still is one


def test_several_problems_give_the_main_one_and_runners_up(classifier):
    result = classifier.classify("楼下垃圾没人清，臭得要命，还有晚上广场舞音响太吵")
    assert result.category in {"sanitation", "noise"}
    assert {c for c, _ in result.runners_up} & ({"sanitation", "noise"} - {result.category})


def test_a_report_that_matches_nothing_is_other_with_low_confidence(classifier):
    result = classifier.classify("我们这边那个东西一直有问题也没有人来弄一下")
    assert (result.intent, result.category) == ("report", "other")
    assert result.confidence < 0.5


def test_confidence_is_higher_with_clear_evidence(classifier):
    clear = classifier.classify("充电桩坏了，电瓶车充不了电")
    vague = classifier.classify("那边有点吵")
    assert 0 < vague.confidence < clear.confidence <= 1


def test_location_and_keywords_are_reported(classifier):
    result = classifier.classify("龙泉小区3号楼门口的井盖松了")
    assert result.location == "龙泉小区3号楼门口"
    assert "井盖" in result.keywords


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😀", "？？？。。。！！！", "……", "\u200b\ufeff"],
)
def test_nothing_to_read_is_unknown(classifier, text):
    result = classifier.classify(text)
    assert result == Classification(
        "unknown", None, 0.0, False, (), (), None, "simplified", result.normalized
    )


@pytest.mark.parametrize(
    "text",
    [
        "垃圾" * 5000,  # 10,000 characters
        "x" * 10_000,
        "the street light is broken 路灯坏了",
        "hello",
        "asdf qwer",
        "1234567890",
        "<b>路灯</b>&nbsp;坏了",
        "路灯\x00坏了",
    ],
)
def test_odd_input_gives_a_sane_answer(classifier, text):
    result = classifier.classify(text)
    assert result.intent in {"report", "status_query", "greeting", "thanks", "help", "cancel"}
    assert 0.0 <= result.confidence <= 1.0
    assert result.category is None or result.category in CATEGORIES
    assert (result.category is not None) == (result.intent == "report")


def test_mixed_english_still_finds_the_chinese_problem(classifier):
    assert classifier.classify("the street light is broken 路灯坏了").category == "road"


def test_the_same_text_gives_the_same_answer(classifier):
    text = "小区充电桩坏了好几天"
    assert classifier.classify(text) == classifier.classify(text)


def test_thanks_for_a_solved_problem_is_thanks_not_a_cancel(classifier):
    assert classifier.classify("问题已经解决了，太感谢了").intent == "thanks"
    assert classifier.classify("算了").intent == "cancel"


def test_urgency_cues_do_not_hide_the_category_word_inside_them(classifier):
    # 煤气味 is an urgency cue and a safety word; 电梯+困 must not take 电梯 from elevator.
    gas = classifier.classify("楼道里一股煤气味")
    assert (gas.category, gas.urgent) == ("safety", True)
    lift = classifier.classify("电梯困人了")
    assert (lift.category, lift.urgent) == ("elevator", True)


def test_traditional_urgent_message(classifier):
    result = classifier.classify("樓道裡冒煙了，快來人")
    assert (result.category, result.urgent, result.script) == ("safety", True, "traditional")


def test_a_one_character_part_is_not_taken_from_a_strong_word_of_another_category(classifier):
    # 楼道+灯 (property) must not fire on the 灯 of 路灯 (road): the street light is the problem.
    result = classifier.classify("路灯坏了好几天，还有电瓶车在楼道里充电")
    assert "楼道+灯" not in {m.cue for m in result.matches}
    assert "road" in dict(result.scores)
    # The corridor's own lamp still is property, and a medium word keeps its character free.
    assert classifier.classify("楼道的灯坏了").category == "property"
    assert classifier.classify("小区出口老是被外卖电动车堵住").category == "traffic"


@pytest.mark.parametrize(
    "text",
    [
        "hello, the street light outside my building is broken",
        "Hi, is anyone able to fix the lift?",
        "help! water everywhere in the basement",
        "the ktv next door is too loud",
    ],
)
def test_english_only_text_is_a_report_read_with_little_confidence(classifier, text):
    result = classifier.classify(text)
    assert result.intent == "report"
    assert result.confidence <= 0.3


@pytest.mark.parametrize(
    ("text", "intent"),
    [("hello", "greeting"), ("Hi there!", "greeting"), ("hi", "greeting"), ("在吗", "greeting"),
     ("thank you so much", "thanks"), ("help", "help")],
)
def test_a_message_that_is_only_a_greeting_is_one(classifier, text, intent):
    assert classifier.classify(text).intent == intent


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("楼下车棚里的电动车被偷了两辆", "security"),  # theft beats the stolen thing
        ("充电的时候电瓶被人偷走了", "security"),
        ("储藏室的老鼠一到晚上就吱吱叫", "sanitation"),
        ("地下室里老鼠蟑螂到处跑", "sanitation"),  # a basement is a place, not a violation
        ("有人偷偷挖地下室", "construction"),
        ("我妈一个人住，两天没回消息了", "elderly"),
        ("家里的狗走丢了，能帮忙找找吗", "pets"),  # a lost pet is not a missing person
        ("小区里谁看到一只橘猫，我家的猫丢了", "pets"),
    ],
)
def test_what_the_message_is_about_beats_what_it_mentions(classifier, text, category):
    result = classifier.classify(text)
    assert result.category == category, result.scores
