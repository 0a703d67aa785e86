"""Text from data on a page stays text: the one helper for user-supplied strings."""

import pytest

from traceboard.dashboard.plain_text import plain


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("![x](http://host/beacon.png)", r"!\[x\](http\://host/beacon.png)"),  # no image fetched
        ("[修正](http://host/fix)", r"\[修正\](http\://host/fix)"),  # no link
        ("<http://host>", r"\<http\://host\>"),
        ("see www.host.cn", r"see www\.host.cn"),
        ("**粗体** _斜体_ `代码` $x$ ~~删~~", r"\*\*粗体\*\* \_斜体\_ \`代码\` \$x\$ \~\~删\~\~"),
        (":material/home: :red[危险]", r"\:material/home: :red\[危险\]"),
        ("- 列表", r"\- 列表"),
        ("1. 列表", r"1\. 列表"),
        ("# 标题", r"\# 标题"),
        ("响铃\x07换\n行\x1b[2J", r"响铃换 行\[2J"),
        ("2016-12-31 (第一天)", "2016-12-31 (第一天)"),  # ordinary punctuation as it is
    ],
)
def test_markdown_from_data_is_escaped(text, shown):
    assert plain(text) == shown
