from pathlib import Path

import pytest

from traceboard.data.reference import ReferenceError, load_reference, load_sectors

TOWNSHIPS = (
    "430381001 望春门街道, 430381002 新湘路街道, 430381003 昆仑桥街道, 430381004 东山街道, "
    "430381100 山枣镇, 430381101 栗山镇, 430381102 中沙镇, 430381103 虞唐镇, 430381104 潭市镇, "
    "430381105 棋梓镇, 430381106 壶天镇, 430381107 翻江镇, 430381108 金石镇, 430381109 白田镇, "
    "430381110 月山镇, 430381111 泉塘镇, 430381112 梅桥镇, 430381113 毛田镇, 430381114 龙洞镇, "
    "430381200 东郊乡, 430381202 金薮乡, 430381203 育塅乡"
)


def test_the_22_townships_with_their_codes(reference):
    expected = dict(item.split(" ") for item in TOWNSHIPS.split(", "))
    actual = {t.code: t.name for t in reference.townships if t.kind != "zone"}
    assert actual == expected
    assert {t.name for t in reference.townships if t.kind == "zone"} == {"水府示范区", "经济开发区"}


def test_sectors_and_subcategories_of_the_plan(reference):
    sectors = {s.name: [c.name for c in s.subcategories] for s in reference.sectors}
    assert list(sectors) == ["食用农产品", "食品", "药品", "农业生产资料", "特种设备", "危险品"]
    assert sectors["食品"] == ["肉制品", "食用植物油", "白酒"]
    assert sectors["危险品"] == ["民用爆炸物品", "烟花爆竹", "易制爆危险化学品", "剧毒化学品"]
    special = [c.name for s in reference.sectors for c in s.subcategories if c.special]
    assert special == ["麻醉药品", "精神药品"]


def test_the_office_is_at_the_commerce_bureau(reference):
    assert [d.name for d in reference.departments if d.office] == ["市商务粮食局"]


def test_a_broken_reference_file_names_the_problem(tmp_path):
    bad = tmp_path / "county.toml"
    text = Path(load_reference().source).read_text(encoding="utf-8")
    bad.write_text(text.replace('leads = ["market-regulation"]', 'leads = ["nobody"]', 1), encoding="utf-8")
    with pytest.raises(ReferenceError, match=r"county.toml: sector 食品: unknown department 'nobody'"):
        load_reference(bad)
    bad.write_text("[city]\ncode = 1\n", encoding="utf-8")
    with pytest.raises(ReferenceError, match="missing or unexpected field"):
        load_reference(bad)


def test_sector_names_come_from_the_record_in_the_reference_order(engine, reference):
    # The one look-up of sector names (alert editors, `alert draft --from-sector`).
    assert list(load_sectors(engine).items()) == [(s.code, s.name) for s in reference.sectors]
