from datetime import date
from functools import cache

import pytest

from app.rules import engine, natures, packs
from app.rules.classification import Classification

REQUIRED = {
    "exclusive_dealing",
    "price_discrimination",
    "counterfeit",
    "false_advertising",
}


@cache
def _engine() -> engine.Engine:
    return engine.build(
        packs.load_dir(packs.PACKS_DIR), natures.load(natures.NATURES_FILE)
    )


def _classify(text: str, day: date | None = None) -> Classification:
    return _engine().classify(text, day)


def _labels(text: str) -> set[str]:
    return set(_classify(text).labels) & REQUIRED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("收到的鞋是假货，专柜说不是正品", {"counterfeit"}),
        ("这双鞋不是假货，是正品，只是物流慢", set()),
        ("经调查，平台并非二选一，商家可以自由选择", set()),
        ("This is not a fake, the serial number checks out", set()),
        ("The case is not counterfeit at all", set()),
        ("卖家没有虚假宣传，描述很准确", set()),
        ("担心是假的，去专柜验了一下，放心了", set()),
        ("有人冒充客服打电话让我退款", set()),
        ("收到的AirPods是fake，客服还坚持说是正品", {"counterfeit"}),
        (
            "Got a knockoff phone case, not as described at all",
            {"counterfeit", "false_advertising"},
        ),
        ("買到假貨，客服還不處理", {"counterfeit"}),
        ("平臺強迫商家二選一，不從就下架", {"exclusive_dealing"}),
        ("ＬＶ包包是高仿！！", {"counterfeit"}),
        ("ＰＬＵＳ會員價格反而比普通會員更貴，大數據殺熟", {"price_discrimination"}),
        ("图片与实务不符，差评", {"false_advertising"}),
        (
            "平台逼商家二选一，同时还对老用户大数据杀熟",
            {"exclusive_dealing", "price_discrimination"},
        ),
        (
            "卖假货还虚假宣传，说是进口原装其实是高仿",
            {"counterfeit", "false_advertising"},
        ),
        ("这款手机的SIM卡槽和存储卡二选一，不能同时用", set()),
        ("一般般，电话卡和存储卡二选一使用，这种设计不好", set()),
        (
            "因为我们在抖音也开了店，平台直接把我们的商品全部下架了",
            {"exclusive_dealing"},
        ),
        ("用苹果手机打车比安卓手机贵了好几块钱", {"price_discrimination"}),
        ("苹果很甜，价格也便宜，比超市的划算", set()),
        ("同一趟航班，我搜了几次票价就涨了三百多", {"price_discrimination"}),
        ("说是纯羊毛，实际上含羊毛只有10%", {"false_advertising"}),
        ("这家店的好评全是刷出来的，东西根本没法用", {"false_advertising"}),
        ("牙刷收到了，给个好评，刷得很干净", set()),
        ("快递三天了还没到，客服也不回复", set()),
        ("放假的时候下的单，到现在还没发货", set()),
        ("只比盗版书好一点儿，纸张还行", set()),
        ("购买的奶粉罐底生产日期被篡改，怀疑是过期产品重新包装", {"counterfeit"}),
        (
            "业务经理要求我们店只能在美团上线，如果在饿了么上线就把店铺下架",
            {"exclusive_dealing"},
        ),
        (
            "我用两个账号查同一款商品，老账号显示的价格比新账号高了20元",
            {"price_discrimination"},
        ),
        ("商家以原价899现价299虚构原价，诱导消费者购买", {"false_advertising"}),
        ("申请退货退款，商家一直拖延不处理，已超过15天", set()),
    ],
)
def test_labels_the_practices_a_complaint_describes(
    text: str, expected: set[str]
) -> None:
    assert _labels(text) == expected


def test_records_the_cue_that_cancelled_a_hit() -> None:
    result = _classify("这双鞋不是假货")

    negation = result.category("counterfeit").negations[0]
    assert (negation.cue, negation.matched, negation.span) == ("不是", "假货", (5, 7))
    assert negation.negated_by == "counterfeit.denied"


def test_reports_fuzzy_hits_with_their_score() -> None:
    hit = _classify("图片与实务不符，差评").category("false_advertising").hits[0]

    assert hit.kind == "fuzzy"
    assert hit.matched == "图片与实务不符"
    assert hit.score is not None
    assert 80 <= hit.score < 100


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("買到假貨，客服還不處理", "買到假貨"),
        ("ＬＶ包包是高仿！！", "高仿"),
        ("物流  \n\n 很慢，结果收到ＦＡＫＥ货", "ＦＡＫＥ"),
        ("ﬁne Straße，收到假貨", "收到假貨"),
    ],
)
def test_spans_point_at_the_text_as_written(text: str, matched: str) -> None:
    hit = _classify(text).category("counterfeit").hits[0]

    assert text[hit.span[0] : hit.span[1]] == matched
    assert hit.matched == matched


def test_explains_a_hit_in_readable_json() -> None:
    explanation = _classify("京东卖假货").explanations[0].to_dict()

    assert explanation == {
        "category": "counterfeit",
        "rule": "counterfeit.fake-terms",
        "kind": "terms",
        "matched": "卖假货",
        "span": [2, 5],
        "weight": 1.0,
    }


ED_TEXT = "平台要求我们签独家协议，否则提高佣金"
PD_TEXT = "同一家酒店同一天，用朋友的账号比我自己的账号便宜80元，这不是杀熟是什么"


def _laws(result: Classification, category: str) -> list[str]:
    return [f"{b.law} {b.article}" for b in result.category(category).legal_basis]


def test_cites_the_2007_anti_monopoly_law_for_conduct_before_august_2022() -> None:
    laws = _laws(_classify(ED_TEXT, date(2021, 5, 1)), "exclusive_dealing")

    assert any(law.startswith("反垄断法（2007） 第十七条") for law in laws)
    assert not any(law.startswith("反垄断法（2022修正）") for law in laws)
    assert any(law.startswith("网络交易监督管理办法 第三十二条") for law in laws)


def test_cites_the_2022_anti_monopoly_law_for_conduct_from_august_2022() -> None:
    laws = _laws(_classify(ED_TEXT, date(2023, 1, 1)), "exclusive_dealing")

    assert any(law.startswith("反垄断法（2022修正） 第二十二条") for law in laws)
    assert not any(law.startswith("反垄断法（2007）") for law in laws)


def test_online_trading_measures_apply_only_from_may_2021() -> None:
    laws = _laws(_classify(ED_TEXT, date(2021, 4, 30)), "exclusive_dealing")

    assert not any(law.startswith("网络交易监督管理办法") for law in laws)


@pytest.mark.parametrize(
    ("day", "cited"), [(date(2021, 10, 31), False), (date(2021, 11, 1), True)]
)
def test_cites_pipl_article_24_only_from_november_2021(day: date, cited: bool) -> None:
    laws = _laws(_classify(PD_TEXT, day), "price_discrimination")

    assert ("个人信息保护法 第二十四条" in laws) is cited


def test_without_a_date_cites_the_provisions_that_have_no_end_date() -> None:
    basis = _classify(ED_TEXT).category("exclusive_dealing").legal_basis

    assert basis
    assert all(b.effective_until is None for b in basis)


def test_lists_pledge_clauses_and_pack_versions() -> None:
    result = _classify(ED_TEXT)

    assert result.category("exclusive_dealing").pledge_clauses == (2, 6)
    assert result.category("counterfeit").pledge_clauses == (2, 3)
    assert dict(result.pack_versions)["exclusive_dealing"] == 1


@pytest.mark.parametrize(
    ("text", "nature"),
    [
        ("收到假货，要求退一赔三", "counterfeit"),
        ("外卖送了两个小时才送到，饭都凉了", "contract"),
        ("屏幕有坏点，申请换货被拒绝，客服也不处理", "after_sales"),
        ("面膜用了过敏，脸上起了红疹，怀疑甲醛超标", "safety"),
        ("说是五斤实际只有四斤，缺斤少两", "measurement"),
        ("今天天气不错", "other"),
    ],
)
def test_picks_one_consumer_association_nature(text: str, nature: str) -> None:
    assert _classify(text).nature.code == nature


def test_classifies_the_same_text_the_same_way_every_time() -> None:
    text = "平台逼商家二选一，卖假货还虚假宣传，老用户反而更贵"
    rebuilt = engine.build(
        packs.load_dir(packs.PACKS_DIR), natures.load(natures.NATURES_FILE)
    )

    first = _classify(text, date(2021, 5, 1)).to_dict()

    assert _classify(text, date(2021, 5, 1)).to_dict() == first
    assert rebuilt.classify(text, date(2021, 5, 1)).to_dict() == first


def test_lists_every_pack_once_in_file_order() -> None:
    result = _classify("")

    assert [c.category for c in result.categories] == [
        p.category for p in _engine().packs
    ]
    assert result.labels == ()
    assert result.nature.code == "other"
