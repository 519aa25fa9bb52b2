"""Channel configuration: the settings (each refusal names its key and value), the templates
as data (an unknown blank refused at load, a file merged kind by kind), which channels a
worker's kit carries, and a batch held for quiet hours deferred for their end in no lane."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from hub.jobs.deliveries import lane
from hub.services.channels import ChannelName
from hub.services.channels.kit import build
from hub.services.channels.templates import TemplateError, load
from hub.services.deliveries import Batch
from hub.settings import NotifySettings, Settings, SettingsError


def test_settings_parse_and_refuse_with_the_key_named(tmp_path: Path) -> None:
    file = tmp_path / "t.json"
    file.write_text("{}", encoding="utf-8")
    got = NotifySettings.from_env({
        "HUB_SMTP_HOST": "smtp.exmail.qq.com", "HUB_SMTP_PORT": "465", "HUB_SMTP_SECURITY": "ssl",
        "HUB_NOTIFY_LANES": "email=2, wechat=16", "HUB_NOTIFY_TEMPLATES": str(file),
        "HUB_WECHAT_MINIPROGRAM_STATE": "trial"})
    assert (got.smtp_host, got.smtp_port, got.smtp_security) == ("smtp.exmail.qq.com", 465, "ssl")
    assert got.lanes_of("email") == 2 and got.lanes_of("wechat") == 16
    assert got.lanes_of("sms") == 8 and got.templates_path == file
    assert got.wechat_miniprogram_state == "trial"
    for env, key in (({"HUB_SMTP_SECURITY": "tls"}, "HUB_SMTP_SECURITY"),
                     ({"HUB_NOTIFY_LANES": "pigeon=2"}, "HUB_NOTIFY_LANES"),
                     ({"HUB_NOTIFY_LANES": "email=0"}, "HUB_NOTIFY_LANES"),
                     ({"HUB_NOTIFY_BATCH": "501"}, "HUB_NOTIFY_BATCH"),
                     ({"HUB_NOTIFY_TEMPLATES": str(tmp_path / "none.json")},
                      "HUB_NOTIFY_TEMPLATES"),
                     ({"HUB_WECHAT_MINIPROGRAM_STATE": "beta"},
                      "HUB_WECHAT_MINIPROGRAM_STATE")):
        with pytest.raises(SettingsError, match=key):
            NotifySettings.from_env(env)


def test_templates_are_data_merged_kind_by_kind(tmp_path: Path) -> None:
    file = tmp_path / "t.json"
    file.write_text(json.dumps({"kinds": {"offer_made": {"wechat": {"template_id": "T1"}}}}),
                    encoding="utf-8")
    merged = load(file)
    offer = merged.of("offer_made")
    assert offer.wechat_template_id == "T1" and offer.wechat_data["thing1"] == "{title}"
    assert offer.label_zh == "新的服务派单" and offer.urgent and offer.sms_default
    assert merged.carries("offer_made", ChannelName.WECHAT)
    assert not merged.carries("offer_made", ChannelName.SMS)
    assert merged.carries("hours_confirmed", ChannelName.EMAIL)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kinds": {"offer_made": {"sms": {"params": ["{phone}"]}}}}),
                   encoding="utf-8")
    with pytest.raises(TemplateError, match=r"offer_made\.sms\.params uses \{phone\}"):
        load(bad)


def test_a_kit_carries_the_configured_channels(settings: Settings) -> None:
    plain = build(replace(settings, sign_in=replace(settings.sign_in, wechat_app_id=None),
                          notify=NotifySettings()))
    assert set(plain.channels) == {ChannelName.SMS}
    full = build(replace(settings, sign_in=replace(settings.sign_in, wechat_app_id="wx",
                                                   wechat_app_secret="s"),
                         notify=replace(NotifySettings(), smtp_host="127.0.0.1")))
    assert set(full.channels) == set(ChannelName)


def test_batches_take_their_channels_lanes_in_turn() -> None:
    notify = replace(NotifySettings(), lanes=(("email", 2), ("sms", 3), ("wechat", 1)))
    now = dt.datetime.now(dt.UTC)
    email = {lane(Batch(ChannelName.EMAIL, (i * 3,), now), notify) for i in range(10)}
    assert email == {"deliver:email:0", "deliver:email:1"}  # not every id's parity alike
    assert {lane(Batch(ChannelName.WECHAT, (i,), now), notify) for i in range(5)} == {
        "deliver:wechat:0"}
