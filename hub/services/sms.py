"""Sending sign-in codes and notifications by SMS: one interface, two gateways
(``HUB_SMS_GATEWAY``).

* ``log`` writes the code to the server log (logger ``hub.sms``), for the demo and tests; it
  sends nothing.
* ``tencent`` sends it with Tencent Cloud SMS (腾讯云短信) through Tencent's official SDK
  (``tencentcloud-sdk-python-sms``, API 2021-01-11 ``SendSms``), with a template whose
  parameters are the code and its lifetime in minutes. ``HUB_SMS_TENCENT_ENDPOINT`` is the
  API's URL (``https://sms.tencentcloudapi.com``); the tests point it at a local stand-in over
  http.

Notifications (``send_notice``) use the same gateway with a template per event kind and its
parameters (hub/data/notify_channels.json); the message's idempotency key travels as Tencent's
``SessionContext``, which the API hands back with the delivery receipt.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from hub.pii import mask_phone
from hub.settings import SignInSettings

log = logging.getLogger("hub.sms")
TIMEOUT_S = 10


class SmsError(Exception):
    """The gateway did not send the message (its reason is logged, never shown to callers)."""


class SmsRefused(SmsError):
    """The gateway will never send this message (a wrong number, a blacklisted one, a template
    or parameter it refuses): not worth trying again."""


# Tencent's SendStatus codes that no retry changes (the rest, limits and outages, may pass later).
FOR_GOOD = ("InvalidParameterValue.", "FailedOperation.PhoneNumberInBlacklist",
            "FailedOperation.PhoneNumberParseFail",
            "FailedOperation.TemplateIncorrectOrUnapproved", "UnsupportedOperation.",
            "FailedOperation.MissingTemplateToModify", "FailedOperation.SignatureIncorrect")


class SmsGateway(Protocol):
    """Something that sends a sign-in code, or a notification from a template, to a mainland
    mobile (11 digits)."""

    async def send_code(self, phone: str, code: str, ttl_s: int) -> None: ...

    async def send_notice(self, phone: str, template_id: str, params: Sequence[str], *,
                          context: str) -> str | None:
        """Send; the provider's message id. :class:`SmsRefused` for good, :class:`SmsError`
        to try again later."""
        ...


class LogGateway:
    """Writes the code to the server log: the demo's gateway (nothing is sent)."""

    async def send_code(self, phone: str, code: str, ttl_s: int) -> None:
        log.warning("sign-in code for %s: %s (valid %d s; HUB_SMS_GATEWAY=log sends no SMS)",
                    mask_phone(phone), code, ttl_s)

    async def send_notice(self, phone: str, template_id: str, params: Sequence[str], *,
                          context: str) -> str | None:
        log.info("notice %s to %s: template %s %s (HUB_SMS_GATEWAY=log sends no SMS)",
                 context, mask_phone(phone), template_id, list(params))
        return f"log-{context}"


class TencentGateway:
    """Tencent Cloud SMS through its official SDK (run on a worker thread: the SDK blocks)."""

    def __init__(self, settings: SignInSettings) -> None:
        missing = [name for name, value in (
            ("HUB_SMS_TENCENT_SECRET_ID", settings.sms_secret_id),
            ("HUB_SMS_TENCENT_SECRET_KEY", settings.sms_secret_key),
            ("HUB_SMS_TENCENT_SDK_APP_ID", settings.sms_sdk_app_id),
            ("HUB_SMS_TENCENT_SIGN_NAME", settings.sms_sign_name),
            ("HUB_SMS_TENCENT_TEMPLATE_ID", settings.sms_template_id)) if not value]
        if missing:
            raise ValueError(f"HUB_SMS_GATEWAY=tencent needs {', '.join(missing)}")
        url = urlsplit(settings.sms_endpoint)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError("HUB_SMS_TENCENT_ENDPOINT must be an http(s) URL, got "
                             f"{settings.sms_endpoint!r}")
        profile = ClientProfile(httpProfile=HttpProfile(
            protocol=url.scheme, endpoint=url.netloc, reqTimeout=TIMEOUT_S))
        cred = credential.Credential(settings.sms_secret_id, settings.sms_secret_key)
        self._client = sms_client.SmsClient(cred, settings.sms_region, profile)
        self._settings = settings

    def _send(self, phone: str, template_id: str | None, params: Sequence[str],
              context: str | None = None) -> str | None:
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = self._settings.sms_sdk_app_id
        request.SignName = self._settings.sms_sign_name
        request.TemplateId = template_id
        request.TemplateParamSet = list(params)
        if context is not None:
            request.SessionContext = context
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise SmsError(f"Tencent SMS refused: {exc.get_code()} {exc.get_message()}") from None
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            code = statuses[0].Code if statuses else ""
            detail = f"{code} {statuses[0].Message}" if statuses else "no status"
            refused = SmsRefused if code and code.startswith(FOR_GOOD) else SmsError
            raise refused(f"Tencent SMS did not send: {detail}")
        return statuses[0].SerialNo

    async def send_code(self, phone: str, code: str, ttl_s: int) -> None:
        await asyncio.to_thread(self._send, phone, self._settings.sms_template_id,
                                [code, str(max(1, ttl_s // 60))])

    async def send_notice(self, phone: str, template_id: str, params: Sequence[str], *,
                          context: str) -> str | None:
        return await asyncio.to_thread(self._send, phone, template_id, params, context)


@functools.lru_cache(maxsize=8)
def gateway(settings: SignInSettings) -> SmsGateway:
    """The configured gateway (one per settings)."""
    if settings.sms_gateway == "tencent":
        return TencentGateway(settings)
    return LogGateway()
