"""The Chinese HTML page a certificate's (志愿服务证明) QR code opens in a browser or WeChat.

It says whether the code names a certificate and whether its signature holds, and shows what
the certificate states with the holder's name masked (:func:`hub.pii.mask_name`: anyone with
the code sees the page); the reader compares it with the paper. Self-contained: no script, no
style sheet or font from another host.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from html import escape
from typing import Any

from hub.pii import mask_name

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
STAR_NAMES = ("未达星级", "一星级", "二星级", "三星级", "四星级", "五星级")

VERDICTS = {
    "valid": ("ok", "✔ 证明有效", "该证明由本平台出具，电子签名核验通过，内容未被改动。"),
    "invalid": ("bad", "✘ 证明无效", "电子签名与证明内容不符：证明已被改动，或并非由本平台出具。"),
    "unknown": ("bad", "✘ 未找到该证明", "本平台没有出具过使用此验证码的证明，请谨防伪造。"),
    "malformed": ("bad", "✘ 验证码格式有误", "验证码应为 16 位字母数字（如 7K3M-Q0ZD-4HXA-9T2W），"
                                          "请检查是否输入错误。"),
}
"""Each state's CSS class, headline and explanation."""

_STYLE = """
body{margin:0;background:#f6efe6;color:#1f2d3d;font:16px/1.6 "Noto Serif CJK SC",
"Source Han Serif SC","Songti SC",SimSun,serif}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{color:#b22222;font-size:1.4rem;text-align:center;margin:.5rem 0 1rem;letter-spacing:.2em}
.verdict{border-radius:.5rem;padding:.8rem 1rem;margin-bottom:1rem}
.ok{background:#e3f4e8;border:1px solid #2e7d4f}.ok strong{color:#2e7d4f}
.bad{background:#fbe4e2;border:1px solid #b22222}.bad strong{color:#b22222}
.verdict strong{font-size:1.25rem;display:block}
table{width:100%;border-collapse:collapse;background:#fff;margin-bottom:1rem}
th,td{border:1px solid #d9cbb8;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f1e6d6;font-weight:normal;white-space:nowrap;color:#52606d}
td.n{text-align:right;white-space:nowrap}
table.records{font-size:.85rem}table.records th{white-space:normal}
.scroll{overflow-x:auto}
h2{font-size:1.05rem;color:#b22222;margin:1rem 0 .4rem}
p.note,footer{font-size:.85rem;color:#52606d}
"""


def _cn_date(text: str) -> str:
    year, month, day = (int(part) for part in text.split("-"))
    return f"{year}年{month}月{day}日"


def _facts(cert: dict[str, Any]) -> list[tuple[str, str]]:
    issued = datetime.fromisoformat(cert["issued_at"]).astimezone(BEIJING)
    facts = [
        ("姓名", mask_name(cert["volunteer_name"]) or ""),
        ("服务期间", f"{_cn_date(cert['period_from'])} 至 {_cn_date(cert['period_to'])}"),
        ("服务时长", f"{cert['total_hours']} 小时（共 {len(cert['records'])} 条记录）"),
        ("星级", "★" * int(cert["stars"]) + "☆" * (5 - int(cert["stars"]))
         + " " + STAR_NAMES[int(cert["stars"])]),
        ("出具单位", cert["issuer_name"]),
    ]
    if cert.get("association_name"):
        facts.append(("主管科协", cert["association_name"]))
    facts.append(("出具日期", _cn_date(issued.date().isoformat())))
    return facts


def _records(cert: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{escape(r['date'])}</td><td>{escape(r['title'])}</td>"
        f"<td>{escape(r['organization'])}</td><td class=n>{escape(r['hours'])}</td></tr>"
        for r in cert["records"])
    return ('<h2>服务记录</h2><div class="scroll"><table class="records"><tr><th>日期</th>'
            f"<th>服务项目 / 活动</th><th>组织单位</th><th>小时</th></tr>{rows}</table></div>")


def verification_html(state: str, code: str, certificate: dict[str, Any] | None) -> str:
    """The page for ``state`` (a key of :data:`VERDICTS`); ``certificate`` is the signed content
    (:func:`hub.certs.model.certificate_dict`) when valid, else None."""
    css, headline, explanation = VERDICTS[state]
    parts = [f'<section class="verdict {css}"><strong>{headline}</strong>{explanation}</section>']
    facts = [("验证码", code), *(_facts(certificate) if certificate else [])]
    parts.append("<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>"
                                     for k, v in facts) + "</table>")
    if certificate:
        parts.append(_records(certificate))
        parts.append('<p class="note">为保护个人信息，姓名部分隐去；请与证明原件上的姓名、'
                     "服务时长和验证码逐项核对。证明原件附 Ed25519 电子签名，"
                     "可用出具单位公布的公钥离线核验。</p>")
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>科技志愿服务证明核验 {escape(code)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>科技志愿服务证明核验</h1>{''.join(parts)}"
        "<footer>科技志愿服务平台 · 证明核验</footer></main></body></html>"
    )
