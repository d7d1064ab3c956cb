import pytest

from intents.fuzzy import SoundIndex

WORDS = ["垃圾", "充电桩", "电梯", "噪音", "井盖", "消防通道", "高空抛物", "公事"]


@pytest.fixture(scope="module")
def index() -> SoundIndex:
    return SoundIndex(WORDS)


@pytest.mark.parametrize(
    ("text", "word", "found"),
    [
        ("门口的拉圾堆成山", "垃圾", "拉圾"),
        ("充电装没电", "充电桩", "充电装"),
        ("电悌停了", "电梯", "电悌"),
        ("燥音吵得睡不着", "噪音", "燥音"),
        ("消仿通道堆满杂物", "消防通道", "消仿通道"),
        # zh/z blurred by pinyin input methods (模糊音)
        ("充电壮", "充电桩", "充电壮"),
    ],
)
def test_homophone_typos_find_the_word(index, text, word, found):
    hits = index.matches(text, set())
    assert [(h.word, h.found) for h in hits] == [(word, found)]


@pytest.mark.parametrize(
    "text",
    [
        "今天天气不错我们去公园散步",
        "攻势很猛",  # sounds like 公事 but shares no character: not a typo of it
        "电视机坏了",
        "充电宝丢了",  # shares characters with 充电桩 but sounds different
        "",
    ],
)
def test_unrelated_text_invents_no_match(index, text):
    assert index.matches(text, set()) == []


def test_words_already_found_exactly_are_skipped(index):
    assert index.matches("拉圾", {"拉圾"}) == []
    assert index.matches("垃圾", set()) == []  # the word itself is not a typo


def test_a_long_word_may_differ_in_one_near_sounding_syllable(index):
    hits = index.matches("高空抛屋", set())  # wu for wu: same sound
    assert [h.word for h in hits] == ["高空抛物"]


def test_a_long_word_tolerates_one_near_sounding_syllable():
    index = SoundIndex(["违章搭建"])
    [hit] = index.matches("楼顶有违章塔建", set())  # ta for da
    assert (hit.word, hit.found) == ("违章搭建", "违章塔建")
    assert 0.9 <= hit.similarity < 1.0
    assert index.matches("违章塔楼", set()) == []  # two characters off: not a typo


def test_a_common_word_is_not_taken_for_a_typo():
    common = {"可以", "事情"}
    index = SoundIndex(["可疑", "实情"], is_common=common.__contains__)
    assert index.matches("可以派人来看一下吗", set()) == []
    assert index.matches("这个事情", set()) == []
    assert [h.word for h in index.matches("有个可宜的人", set())] == ["可疑"]


def test_a_window_does_not_cut_a_common_word_in_two():
    index = SoundIndex(["小广告"])
    text = "商铺门口放促销广告"
    inside = {text.index("促销") + 1}  # the boundary between 促 and 销
    assert index.matches(text, set(), inside) == []
    assert [h.word for h in index.matches(text, set())] == ["小广告"]


def test_a_shared_particle_is_no_evidence_of_a_typo():
    index = SoundIndex(["搭了"])
    assert index.matches("打了一天电话", set()) == []  # only 了 is shared


@pytest.mark.parametrize(
    "text", ["可以在小区装个快递柜吗", "可以派人来看一下吗", "现在这个时候事情很多"]
)
def test_function_words_are_no_cues_in_the_classifier(classifier, text):
    result = classifier.classify(text)
    assert not any(m.fuzzy for m in result.matches), result.matches
    assert result.category != "security"
