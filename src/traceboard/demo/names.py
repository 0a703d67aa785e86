"""Vocabulary for plausible Chinese business and personal names (vectorised)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SURNAMES = list(
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常"
    "武乔贺赖龚文左刘谭彭"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红林春辉鹏飞文斌波宇浩凯湘龙")
BRAND = list(
    "龙城湘泰华鑫兴旺盛丰源康福顺发达利金瑞祥和信诚恒宏远新东南山云天佳美乐安益民农绿香鲜正合荣昌隆德"
)

# Words of trade by sub-category (a few each, picked at random).
TRADE = {
    "肉类": ["肉类食品", "生猪屠宰", "肉食品"],
    "粮油": ["粮油", "米业", "粮食"],
    "蔬菜": ["蔬菜", "果蔬"],
    "豆制品": ["豆制品", "豆腐"],
    "水果": ["水果", "果业"],
    "食用菌": ["食用菌", "菌业"],
    "禽蛋": ["禽蛋", "蛋品"],
    "茶叶": ["茶业", "茶叶"],
    "家畜": ["生猪养殖", "畜牧"],
    "家禽": ["家禽养殖", "禽业"],
    "水产品": ["水产", "渔业"],
    "肉制品": ["肉制品", "腊味食品", "食品"],
    "食用植物油": ["油脂", "植物油", "茶油"],
    "白酒": ["酒业", "酿酒"],
    "化学药品": ["医药", "药业"],
    "中成药": ["药业", "制药"],
    "中药饮片": ["中药饮片", "中药材"],
    "生物制品": ["生物制品", "生物科技"],
    "麻醉药品": ["医药"],
    "精神药品": ["医药"],
    "农药": ["农资", "农药"],
    "兽药": ["兽药", "动物保健"],
    "饲料": ["饲料"],
    "肥料": ["肥业", "农资"],
    "种子": ["种业"],
    "种苗": ["苗木", "种苗"],
    "电梯": ["电梯", "机电设备"],
    "气瓶": ["燃气", "气体"],
    "民用爆炸物品": ["民爆器材"],
    "烟花爆竹": ["烟花爆竹"],
    "易制爆危险化学品": ["化工"],
    "剧毒化学品": ["化工"],
}
FARMING = {"蔬菜", "水果", "食用菌", "茶叶", "家畜", "家禽", "水产品", "禽蛋", "种苗"}
COMPANY_FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
SHOP_FORMS = ["店", "经营部", "商行", "门市部"]


def _pick(rng: np.random.Generator, words: list[str], n: int) -> list[str]:
    return [words[i] for i in rng.integers(0, len(words), size=n)]


def make_person_names(rng: np.random.Generator, n: int) -> pd.Series:
    """Surname plus one or two given-name characters."""
    second = rng.random(n) < 0.6
    parts = zip(_pick(rng, SURNAMES, n), _pick(rng, GIVEN, n), _pick(rng, GIVEN, n), second, strict=True)
    return pd.Series([s + g1 + (g2 if two else "") for s, g1, g2, two in parts], dtype=object)


def make_business_names(
    rng: np.random.Generator, kinds: np.ndarray, subcategories: np.ndarray, townships: np.ndarray
) -> pd.Series:
    """Names like 湘乡市龙泰肉类食品有限公司, 湘乡市山枣镇李记蔬菜店, 湘乡市壶天丰源蔬菜种养专业合作社.

    ``kinds`` are the credit-code prefixes (91 company, 92 sole trader, 93
    cooperative); ``townships`` the full township names. Built with plain
    Python strings: a million names take about a second.
    """
    n = len(kinds)
    variant = rng.random(n) < 0.5
    trade = [TRADE[s][0] if v else TRADE[s][-1] for s, v in zip(subcategories, variant, strict=True)]
    brand = [a + b for a, b in zip(_pick(rng, BRAND, n), _pick(rng, BRAND, n), strict=True)]
    company_form, shop_form = _pick(rng, COMPANY_FORMS, n), _pick(rng, SHOP_FORMS, n)
    surname = _pick(rng, SURNAMES, n)
    names = []
    for i, kind in enumerate(kinds):
        if kind == "92":
            names.append(f"湘乡市{townships[i]}{surname[i]}记{trade[i]}{shop_form[i]}")
        elif kind == "93":
            farming = "种养" if subcategories[i] in FARMING else ""
            names.append(f"湘乡市{townships[i][:2]}{brand[i]}{trade[i]}{farming}专业合作社")
        else:
            names.append(f"湘乡市{brand[i]}{trade[i]}{company_form[i]}")
    return pd.Series(names, dtype=object)
