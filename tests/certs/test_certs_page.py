"""The Chinese verification page a certificate's QR code opens (hub.certs.page)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.certs.model import CertificateData, CertificateRecord, certificate_dict, new_code
from hub.certs.page import VERDICTS, verification_html


def _certificate() -> dict[str, object]:
    return certificate_dict(CertificateData(
        code=new_code(), volunteer_name="阿依古丽·买买提", volunteer_id_masked=None,
        period_from=date(2024, 1, 1), period_to=date(2024, 6, 30), total_hours=Decimal("2.5"),
        stars=4, records=(CertificateRecord(date(2024, 3, 5), "讲座 <script>", "A&B 队",
                                            Decimal("2.5")),),
        issuer_name="郑州市科技志愿服务队", association_name="郑州市科学技术协会",
        issued_at=datetime(2024, 12, 31, 17, 0, tzinfo=UTC)))


def test_a_valid_certificate_is_shown_with_the_name_masked() -> None:
    cert = _certificate()
    html = verification_html("valid", str(cert["code"]), cert)
    assert html.startswith("<!doctype html>") and 'lang="zh-CN"' in html
    for shown in ("✔ 证明有效", "阿******提", "2024年1月1日 至 2024年6月30日",
                  "2.50 小时（共 1 条记录）", "四星级", "郑州市科技志愿服务队",
                  "郑州市科学技术协会",
                  "2025年1月1日",  # issued 17:00 UTC is the next day in Beijing
                  "讲座 &lt;script&gt;", "A&amp;B 队"):
        assert shown in html, shown
    assert "买买提" not in html and "<script>" not in html
    assert "http://" not in html and "https://" not in html  # nothing from another host


@pytest.mark.parametrize("state", ["invalid", "unknown", "malformed"])
def test_an_invalid_certificate_shows_why_and_nothing_else(state: str) -> None:
    html = verification_html(state, "7K3M-Q0ZD-4HXA-9T2W", None)
    css, headline, explanation = VERDICTS[state]
    assert css == "bad" and headline in html and explanation in html
    assert "7K3M-Q0ZD-4HXA-9T2W" in html and "服务记录" not in html
