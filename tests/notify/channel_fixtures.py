"""Fixtures of the channels' tests (imported by them as ``<name>_fixture``): settings with
the test templates and the local stand-ins, the data key, and the stand-ins themselves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from hub.pii import PiiCipher, load_or_create_key
from hub.services.channels.templates import Templates, load
from hub.settings import JobSettings, NotifySettings, Settings
from tests.notify.channel_world import TEMPLATES
from tests.notify.standins import SmtpStandIn, WeChatStandIn

FAST_JOBS = JobSettings(sweep_s=30, max_attempts=3, retry_base_s=0.2, retry_max_s=2.0,
                        concurrency=4, keep_done_hours=1, shutdown_s=2.0)


@pytest.fixture(name="wechat")
def wechat_fixture() -> Iterator[WeChatStandIn]:
    server = WeChatStandIn().start()
    yield server
    server.stop()


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[SmtpStandIn]:
    server = SmtpStandIn().start()
    yield server
    server.stop()


@pytest.fixture(name="templates_file")
def templates_file_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "templates.json"
    path.write_text(json.dumps(TEMPLATES), encoding="utf-8")
    return path


@pytest.fixture(name="notify_settings")
def notify_settings_fixture(settings: Settings, wechat: WeChatStandIn, smtp: SmtpStandIn,
                    templates_file: Path) -> Settings:
    """The test settings with every channel on its local stand-in and short retries."""
    sign_in = replace(settings.sign_in, sms_gateway="log", wechat_api_base=wechat.base,
                      wechat_app_id="wx-test", wechat_app_secret="secret")
    notify = replace(NotifySettings(), templates_path=templates_file, smtp_host="127.0.0.1",
                     smtp_port=smtp.port, smtp_security="none", batch=20, lease_s=2.0)
    return replace(settings, sign_in=sign_in, notify=notify, jobs=FAST_JOBS, db_wait_s=5.0)


@pytest.fixture(name="templates")
def templates_fixture(templates_file: Path) -> Templates:
    return load(templates_file)


@pytest.fixture(name="cipher")
def cipher_fixture(settings: Settings) -> PiiCipher:
    return load_or_create_key(configured=settings.data_key, home=settings.home)


@pytest.fixture(name="no_prefs")
def no_prefs_fixture(clean: str, notify_url: str) -> str:
    """No preferences left by an earlier test (deliveries go with their events)."""
    with psycopg.connect(notify_url, autocommit=True) as conn:
        conn.execute("TRUNCATE notification_preference")
    return clean
