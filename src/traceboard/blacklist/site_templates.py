# ruff: noqa: E501 — templates keep their HTML lines whole
"""Jinja2 templates of the public site (HTML autoescaped; Atom escaped as XML).

Kept as strings so that rendering is pure (no file reads). Every page is
self-contained: inline CSS, no external resources, UTF-8, lang="zh-CN".
"""

from __future__ import annotations

BASE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · {{ site.city }}重要产品追溯</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
header{background:#8b1a1a;color:#fff;padding:14px 24px}header a{color:#fff;margin-right:18px;text-decoration:none}
header h1{font-size:20px;margin:0 0 6px}main{max-width:1080px;margin:0 auto;padding:16px 24px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}th,td{border:1px solid #d9dde3;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eceff1}.muted{color:#66707a;font-size:13px}.withdrawn{color:#9aa0a6}.tag{display:inline-block;padding:0 6px;border-radius:3px;background:#eceff1;font-size:12px}
.serious,.warning{background:#fde8e8;color:#8b1a1a}.card{background:#fff;border:1px solid #d9dde3;padding:10px 14px;margin:10px 0}
input[type=search]{font-size:16px;padding:6px 10px;width:min(520px,100%)}pre{white-space:pre-wrap;font-family:inherit}
</style>
</head>
<body>
<header><h1>{{ site.city }}重要产品追溯 · 信息公示</h1>
<nav><a href="{{ root }}index.html">首页</a><a href="{{ root }}blacklist.html">质量失信黑名单</a><a href="{{ root }}results.html">抽查结果公示</a><a href="{{ root }}draws.html">抽查公示</a><a href="{{ root }}alerts.atom">订阅消费提示 (Atom)</a></nav></header>
<main>
{% block main %}{% endblock %}
<p class="muted">数据截至 {{ site.as_of }}。发布机关：{{ site.publisher }}。</p>
</main>
</body>
</html>
"""

ALERT_ITEM = """{% macro alert_item(a, root) -%}
<div class="card{% if a.state == 'withdrawn' %} withdrawn{% endif %}">
<a href="{{ root }}alerts/{{ a.id }}.html">{{ a.title }}</a>
<span class="tag {{ a.severity }}">{{ a.severity_label }}</span>
{% if a.state == 'withdrawn' %}<span class="tag">已撤回 {{ a.withdrawn_on }}</span>{% endif %}
<div class="muted">{{ a.published_on }}{% if a.sector %} · {{ a.sector }}{% endif %}</div>
</div>
{%- endmacro %}
"""

CASE_TABLE = """{% macro case_table(cases, removed) -%}
<table>
<thead><tr><th>企业名称</th><th>统一社会信用代码</th><th>列入日期</th><th>事由</th><th>法律依据</th><th>决定机关</th><th>权利救济的期限和途径</th>{% if removed %}<th>移出日期</th><th>移出原因</th><th>移出决定机关</th>{% endif %}</tr></thead>
<tbody>
{% for c in cases %}<tr><td>{{ c.name }}</td><td>{{ c.uscc }}</td><td>{{ c.listed_on }}</td><td>{{ c.grounds }}</td><td>{{ c.legal_basis }}</td><td>{{ c.authority }}</td><td>{{ c.remedies }}</td>{% if removed %}<td>{{ c.removed_on }}</td><td>{{ c.status }}：{{ c.removal_reason }}</td><td>{{ c.removal_authority }}</td>{% endif %}</tr>
{% else %}<tr><td colspan="{{ 10 if removed else 7 }}">暂无</td></tr>
{% endfor %}</tbody>
</table>
{%- endmacro %}
"""

INDEX = """{% extends "base.html" %}{% from "macros.html" import alert_item %}{% from "cases.html" import case_table %}
{% block title %}首页{% endblock %}
{% block main %}
<h2>一站式查询</h2>
<p><label for="q">企业名称或统一社会信用代码：</label><br><input type="search" id="q" autocomplete="off" placeholder="输入名称或18位代码"></p>
<div id="answer" class="muted">共收录 {{ enterprise_count }} 家企业。查询在本页内完成，不联网。</div>
<h2>最新消费提示</h2>
{% for a in alerts %}{{ alert_item(a, root) }}
{% else %}<p>暂无</p>
{% endfor %}
<h2>质量失信黑名单（现行）</h2>
{{ case_table(current, False) }}
<p><a href="blacklist.html">完整名单（含已移出）</a> · <a href="blacklist.csv">CSV</a> · <a href="blacklist.json">JSON</a> · <a href="alerts.json">消费提示 JSON</a></p>
<script type="application/json" id="index-data">{{ index_json }}</script>
<script type="application/json" id="alert-data">{{ alert_json }}</script>
<script>
(function(){
var rows=JSON.parse(document.getElementById("index-data").textContent);
var named=JSON.parse(document.getElementById("alert-data").textContent);
var box=document.getElementById("q"),out=document.getElementById("answer");
function line(r){var d=document.createElement("div");d.className="card";
var t=document.createElement("strong");t.textContent=r[1]+"（"+r[0]+"）";d.appendChild(t);
var s=document.createElement("div");
s.textContent=(r[2]?"已建立追溯体系":"未建立追溯体系")+" · "+(r[3]?"列入质量失信黑名单":"未列入黑名单")+" · "+(r[4]?"最近抽查："+r[5]+" "+r[4]:"无公示抽查结果")+" · 政府采购（可追溯且未列入黑名单）："+(r[2]&&!r[3]?"是":"否");
d.appendChild(s);
(named[r[0]]||[]).forEach(function(a){var p=document.createElement("div");p.appendChild(document.createTextNode("消费提示（"+a[2]+"）："));
var l=document.createElement("a");l.href="alerts/"+a[0]+".html";l.textContent=a[1];p.appendChild(l);d.appendChild(p);});
return d;}
box.addEventListener("input",function(){var q=box.value.trim();out.textContent="";if(!q){return;}
var u=q.toUpperCase(),hits=rows.filter(function(r){return r[0]===u;});
if(!hits.length){hits=rows.filter(function(r){return r[1].toLowerCase().indexOf(q.toLowerCase())>=0;});}
if(!hits.length){out.textContent="未找到";return;}
hits.slice(0,20).forEach(function(r){out.appendChild(line(r));});
if(hits.length>20){var m=document.createElement("div");m.textContent="另有 "+(hits.length-20)+" 家，请输入更完整的名称";out.appendChild(m);}});
})();
</script>
{% endblock %}
"""

ALERT_PAGE = """{% extends "base.html" %}
{% block title %}{{ a.title }}{% endblock %}
{% block main %}
<h2>{% if a.state == 'withdrawn' %}【已撤回】{% endif %}{{ a.title }}</h2>
<p class="muted">消费提示 · {{ a.severity_label }} · 发布日期 {{ a.published_on }}{% if a.sector %} · {{ a.sector }}{% endif %}</p>
{% if a.state == 'withdrawn' %}<div class="card warning">本提示已于 {{ a.withdrawn_on }} 撤回。撤回原因：{{ a.withdrawn_reason }}</div>{% endif %}
<div class="card"><pre>{{ a.body }}</pre></div>
{% if a.enterprises %}<h3>涉及企业</h3><ul>{% for e in a.enterprises %}<li>{{ e.name }}（{{ e.uscc }}）</li>{% endfor %}</ul>{% endif %}
{% endblock %}
"""

BLACKLIST = """{% extends "base.html" %}{% from "cases.html" import case_table %}
{% block title %}质量失信黑名单{% endblock %}
{% block main %}
<h2>质量失信黑名单（现行）</h2>
{{ case_table(current, False) }}
<h2>已移出名单</h2>
{{ case_table(removed, True) }}
{% endblock %}
"""

RESULTS = """{% extends "base.html" %}
{% block title %}抽查结果公示{% endblock %}
{% block main %}
<h2>“双随机、一公开”抽查结果公示</h2>
<p class="muted">共 {{ results|length }} 条。</p>
<table>
<thead><tr><th>企业名称</th><th>统一社会信用代码</th><th>检查日期</th><th>检查部门</th><th>检查结果</th><th>公示日期</th></tr></thead>
<tbody>
{% for r in results %}<tr><td>{{ r.name }}</td><td>{{ r.uscc }}</td><td>{{ r.checked_on }}</td><td>{{ r.department }}</td><td>{{ r.result_label }}</td><td>{{ r.published_on }}</td></tr>
{% else %}<tr><td colspan="6">暂无</td></tr>
{% endfor %}</tbody>
</table>
{% endblock %}
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
<id>{{ site.feed_id }}</id>
<title>{{ site.city }}消费提示</title>
<updated>{{ updated }}</updated>
<author><name>{{ site.publisher }}</name></author>
<link rel="self" href="{{ site.base_url }}alerts.atom"/>
<link rel="alternate" type="text/html" href="{{ site.base_url }}index.html"/>
{% for a in alerts %}<entry>
<id>{{ site.feed_id }}:alert:{{ a.id }}</id>
<title>{% if a.state == 'withdrawn' %}【已撤回】{% endif %}{{ a.title }}</title>
<published>{{ a.published_at }}</published>
<updated>{{ a.updated_at }}</updated>
<link rel="alternate" type="text/html" href="{{ site.base_url }}alerts/{{ a.id }}.html"/>
{% if a.sector %}<category term="{{ a.sector }}"/>
{% endif %}<summary type="text">{% if a.state == 'withdrawn' %}已于 {{ a.withdrawn_on }} 撤回：{{ a.withdrawn_reason }}
{% endif %}{{ a.body }}</summary>
</entry>
{% endfor %}</feed>
"""

DRAWS = """{% extends "base.html" %}
{% block title %}抽查公示{% endblock %}
{% block main %}
<h2>“双随机”抽取公示</h2>
<p>每次抽取分两步公开：抽取之前公布<strong>承诺</strong>（候选名单的哈希和种子的哈希），抽取之后公布<strong>抽取清单</strong>（manifest，含揭示的种子）和独立的验证程序。任何人都可以自行重做抽取，核对结果。<a href="draw-howto.html">如何自行验证</a></p>
{% for d in draws %}<div class="card">
<h3>抽取 {{ d.id }}：{{ d.what }}</h3>
<p class="muted">承诺时间 {{ d.committed_at }}{% if d.drawn_at %}；抽取时间 {{ d.drawn_at }}{% endif %}；规则 {{ d.spec }}</p>
<table>
<tr><th>候选名单哈希 list_sha256</th><td><code>{{ d.list_sha256 }}</code></td></tr>
<tr><th>种子哈希 seed_sha256</th><td><code>{{ d.seed_sha256 }}</code></td></tr>
{% if d.drawn_at %}<tr><th>揭示的种子 seed</th><td><code>{{ d.seed }}</code></td></tr>
<tr><th>抽中企业</th><td>{{ d.drawn }} 家（{{ d.strata }} 层）</td></tr>
<tr><th>下载</th><td><a href="draws/manifest-{{ d.id }}.json">抽取清单 manifest-{{ d.id }}.json</a> · <a href="draws/verify_manifest.py">验证程序 verify_manifest.py</a></td></tr>
{% else %}<tr><th>状态</th><td>已承诺，尚未抽取：种子将在现场揭示后公布。</td></tr>
{% endif %}</table>
</div>
{% else %}<p>暂无抽取。</p>
{% endfor %}
{% endblock %}
"""

DRAW_HOWTO = """{% extends "base.html" %}
{% block title %}如何自行验证抽取{% endblock %}
{% block main %}
<h2>如何自行验证“双随机”抽取</h2>
<ol>
<li><strong>抽取之前</strong>，本站公布每次抽取的承诺：候选名单的 SHA-256（list_sha256）和种子的 SHA-256（seed_sha256）。请记下或保存这两个值及公布日期。种子由现场见证人掷骰等方式产生，抽取之前只公布其哈希，因此任何人都无法在知道名单后再挑选种子。</li>
<li><strong>抽取之后</strong>，本站公布抽取清单 manifest（JSON 文件），其中有揭示的种子、每一层的候选企业（或其哈希）、抽取数量和抽中企业，以及验证程序 <a href="draws/verify_manifest.py">verify_manifest.py</a>。</li>
<li>核对承诺：计算种子的 SHA-256（例如 <code>python3 -c "import hashlib,sys;print(hashlib.sha256(sys.argv[1].encode()).hexdigest())" 种子</code>），应与抽取前公布的 seed_sha256 相同；清单中的 list_sha256 应与抽取前公布的相同。</li>
<li>重做抽取：安装 Python 3（无需其他软件包，也无需联网），把 manifest 和 verify_manifest.py 放在同一文件夹，运行 <code>python3 verify_manifest.py manifest-编号.json</code>。程序按公开的规则重新计算每一层的抽取和检查人员分配，全部一致时报告通过，否则指出不一致之处。</li>
</ol>
<h3>抽取规则</h3>
<ul>
<li>每层抽取 k 家，k = ⌈抽查比例 × 该层候选企业数 N⌉。抽取规则写在清单的 spec 字段中。</li>
<li>规则 3（traceboard-draw/3，新抽取的默认规则）：该层候选企业按统一社会信用代码升序排列（即抽取前公布的名单顺序），位置编号 0 至 N−1。依次计算 SHA-256(“种子|enterprise-order|层名|0”)、SHA-256(“种子|enterprise-order|层名|1”)……，把每个哈希值的 32 个字节每 8 个读作一个大端无符号整数 v。第 i 步（i 从 0 起）令 m = N − i：若 v ≥ 2⁶⁴ − (2⁶⁴ mod m)，舍弃 v 读下一个；否则把位置 i 与位置 i + (v mod m) 的企业对调，此时位置 i 上的企业就是第 i + 1 家抽中企业。做满 k 步即得抽中名单（顺序即抽中顺序）。</li>
<li>规则 1、2（traceboard-draw/1、/2）：每家候选企业的排序键为 SHA-256(“种子|层名|统一社会信用代码”)，每层抽取排序键最小的 k 家。</li>
<li>每家抽中企业由该部门检查人员中排序最前、且无利害关系回避、未超过工作量上限的两人检查（规则 1 按 SHA-256(“种子|inspector|信用代码|人员编号”) 排序；规则 2、3 对按编号升序排列的检查人员做同样的洗牌，由 SHA-256(“种子|inspector-order|信用代码|0”)、“…|1”……驱动）。</li>
<li>抽查比例随企业信用风险等级提高；检查结果在检查后 20 个工作日内在本站“抽查结果公示”公布。</li>
</ul>
<p><a href="draws.html">返回抽查公示</a></p>
{% endblock %}
"""

HTML_TEMPLATES = {
    "base.html": BASE,
    "macros.html": ALERT_ITEM,
    "cases.html": CASE_TABLE,
    "index.html": INDEX,
    "alert.html": ALERT_PAGE,
    "blacklist.html": BLACKLIST,
    "results.html": RESULTS,
    "draws.html": DRAWS,
    "draw-howto.html": DRAW_HOWTO,
}
