"""Enterprise matching at registry scale: 100,000 names, lookups must stay p99 <= 2 ms.

Generates a deterministic registry of realistic Chinese enterprise names with
aliases, builds the index, warms it with 500 lookups as a serving process would
be, then times 5,000 lookups mixing exact names, aliases, USCCs, typos and unknown
names against a plain dict lookup measured in the same run. Also counts how often
a lookup was assigned without review, and whether rightly.
Run with `python -m bench.bench_matching`.
"""

import gc
import random
import re
import statistics
import time
from typing import Any

from app.complaints import matching
from app.pledges import uscc

TARGET_P99_MS = 2.0

REGIONS = [
    "北京",
    "上海",
    "天津",
    "重庆",
    "广州",
    "深圳",
    "杭州",
    "宁波",
    "南京",
    "苏州",
    "福州",
    "厦门",
    "济南",
    "青岛",
    "武汉",
    "长沙",
    "成都",
    "郑州",
    "西安",
    "合肥",
    "南昌",
    "沈阳",
    "大连",
    "长春",
    "哈尔滨",
    "太原",
    "昆明",
    "贵阳",
    "南宁",
    "海口",
    "兰州",
    "义乌",
]
BRAND_CHARS = (
    "云帆星辰海蓝天悦华鼎盛嘉禾瑞丰恒泰安康宏远博通达信诚智慧创新锦绣美佳优品乐购"
    "百联万象千寻易趣聚源汇金荣昌隆兴旺德润泽亿晨曦宇航凯越腾跃鸿运祥和正道明远"
    "青松翠竹兰芝梅雪飞鹰骏马金鹏银河朗月清风微光暖阳橙果蜜桃椰林麦田稻香茶语"
)
INDUSTRIES = [
    "科技",
    "电子商务",
    "食品",
    "服饰",
    "贸易",
    "网络科技",
    "信息技术",
    "家居",
    "母婴用品",
    "美妆",
    "数码",
    "电器",
    "文化传媒",
    "供应链管理",
    "餐饮管理",
    "生物科技",
    "农业",
    "酒业",
    "茶业",
    "医药",
    "体育用品",
    "日用品",
    "百货",
]
SUFFIXES = ("有限公司",) * 7 + ("有限责任公司",) * 2 + ("股份有限公司",)
LEGAL_FORM = re.compile("股份有限公司|有限责任公司|有限公司")
UNKNOWN_CHARS = "某甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
UNKNOWN_TAILS = ("小卖部", "便利店", "水果摊", "五金店", "理发店")
LATIN = "abcdefghjkmnpqrstuwxyz"


def _uscc(rng: random.Random) -> str:
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6))
    body += "".join(rng.choice(uscc.ALPHABET) for _ in range(9))
    return body + uscc.check_character(body)


def generate(n: int, seed: int = 2021) -> list[matching.Candidate]:
    """Build `n` distinct, deterministic enterprises with aliases and USCCs."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[matching.Candidate] = []
    while len(out) < n:
        brand = "".join(rng.choice(BRAND_CHARS) for _ in range(rng.choice((2, 2, 3))))
        industry = rng.choice(INDUSTRIES)
        name = rng.choice(REGIONS) + brand + industry + rng.choice(SUFFIXES)
        if name in seen:
            continue
        seen.add(name)
        aliases = [brand, brand + industry]
        if rng.random() < 0.3:
            aliases.append("".join(rng.choice(LATIN) for _ in range(rng.randint(4, 8))))
        code = _uscc(rng) if rng.random() < 0.7 else None
        out.append(matching.Candidate(len(out) + 1, name, code, tuple(aliases)))
    return out


def _typo(rng: random.Random, name: str) -> str:
    i = rng.randrange(2, len(name) - 4)  # inside the brand or industry words
    if rng.random() < 0.5:
        return name[:i] + name[i + 1 :]
    return name[:i] + rng.choice(BRAND_CHARS) + name[i + 1 :]


def queries(
    cands: list[matching.Candidate], count: int, seed: int = 428
) -> list[tuple[str, str | None, str | None, int | None]]:
    """Return (kind, name, uscc, expected id) lookups in a fixed mix."""
    rng = random.Random(seed)
    out: list[tuple[str, str | None, str | None, int | None]] = []
    with_code = [c for c in cands if c.uscc]
    for _ in range(count):
        c = rng.choice(cands)
        roll = rng.random()
        if roll < 0.35:
            out.append(("exact", c.legal_name, None, c.enterprise_id))
        elif roll < 0.55:
            out.append(("alias", rng.choice(c.aliases), None, c.enterprise_id))
        elif roll < 0.80:
            out.append(("typo", _typo(rng, c.legal_name), None, c.enterprise_id))
        elif roll < 0.90:
            d = rng.choice(with_code)
            out.append(("uscc", None, d.uscc, d.enterprise_id))
        else:
            junk = "".join(rng.choice(UNKNOWN_CHARS) for _ in range(3))
            out.append(("unknown", junk + rng.choice(UNKNOWN_TAILS), None, None))
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _sans_legal_form(name: str) -> str:
    return LEGAL_FORM.sub("", matching.normalise_name(name))


def run(n: int = 100_000, lookups: int = 5_000, warmup: int = 500) -> dict[str, Any]:
    """Build the index, time the lookups and return the figures."""
    cands = generate(n)
    start = time.perf_counter()
    index = matching.MatcherIndex.build(cands)
    build_s = time.perf_counter() - start
    plain = {c.legal_name: c.enterprise_id for c in cands}
    legal = {c.enterprise_id: c.legal_name for c in cands}
    mix = queries(cands, lookups)
    for _, name, code, _ in queries(cands, warmup, seed=1):
        index.match(name, code)  # a serving index is warm
    del cands  # like the service, keep only the index
    gc.collect()

    latencies: list[float] = []
    outcome = dict.fromkeys(("auto_right", "auto_wrong", "auto_other_form"), 0)
    review = typo_top1 = typos = 0
    for kind, name, code, expected in mix:
        start = time.perf_counter_ns()
        r = index.match(name, code)
        latencies.append((time.perf_counter_ns() - start) / 1e6)
        if r.needs_review:
            review += 1
        elif r.enterprise_id == expected:
            outcome["auto_right"] += 1
        elif name and _sans_legal_form(name) == _sans_legal_form(
            legal[r.enterprise_id or 0]
        ):
            # A typo that spelled another registered firm, bar 有限/股份: no error.
            outcome["auto_other_form"] += 1
        else:
            outcome["auto_wrong"] += 1
        if kind == "typo":
            typos += 1
            top = r.candidates[0].enterprise_id if r.candidates else None
            typo_top1 += top == expected
    baseline: list[float] = []
    for _, name, _, _ in mix:
        start = time.perf_counter_ns()
        plain.get(name or "")
        baseline.append((time.perf_counter_ns() - start) / 1e6)

    total_s = sum(latencies) / 1000
    return {
        "candidates": n,
        "lookups": lookups,
        "build_s": round(build_s, 2),
        "lookups_per_s": round(lookups / total_s),
        "p50_ms": round(statistics.median(latencies), 4),
        "p99_ms": round(_pct(latencies, 0.99), 4),
        "max_ms": round(max(latencies), 4),
        "baseline_dict_p50_ms": round(statistics.median(baseline), 4),
        "baseline_dict_p99_ms": round(_pct(baseline, 0.99), 4),
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": _pct(latencies, 0.99) <= TARGET_P99_MS,
        "typo_top1_rate": round(typo_top1 / max(typos, 1), 3),
        **outcome,
        "review": review,
    }


def main() -> None:
    figures = run()
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
