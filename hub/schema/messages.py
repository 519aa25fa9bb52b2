"""Error messages in two languages: ``message`` in English, ``extensions.messageZh`` in Chinese.

An error that carries its own Chinese text (a bound naming its limit, a refusal of the action
table) keeps it; any other coded error gets its code's sentence from :data:`ZH`.
"""

from __future__ import annotations

ZH = {
    "BAD_REQUEST": "请求格式错误",
    "BAD_USER_INPUT": "输入有误",
    "BATCHING_NOT_SUPPORTED": "不支持批量请求，请逐个发送",
    "FORBIDDEN": "无权进行此操作",
    "GRAPHQL_PARSE_FAILED": "查询语法错误",
    "GRAPHQL_VALIDATION_FAILED": "查询未通过校验",
    "INTERNAL_SERVER_ERROR": "服务器内部错误，已记录",
    "METHOD_NOT_ALLOWED": "不允许使用此请求方法",
    "NOT_FOUND": "未找到",
    "OPERATION_RESOLUTION_FAILURE": "无法确定要执行的操作",
    "PAYLOAD_TOO_LARGE": "请求体过大",
    "PERSISTED_QUERY_NOT_FOUND": "未找到该哈希对应的已登记查询",
    "PERSISTED_QUERY_NOT_IN_LIST": "匿名访问只能执行已登记的查询",
    "PERSISTED_QUERY_NOT_SUPPORTED": "不支持这种持久化查询格式",
    "QUERY_TOO_COMPLEX": "查询过于复杂",
    "QUERY_TOO_DEEP": "查询嵌套过深",
    "RATE_LIMITED": "请求过于频繁，请稍后再试",
    "UNAUTHENTICATED": "身份验证失败",
    "UNSUPPORTED_MEDIA_TYPE": "不支持的内容类型",
}
FALLBACK_ZH = "请求未能完成"


def zh(code: str) -> str:
    """The Chinese sentence for an error code."""
    return ZH.get(code, FALLBACK_ZH)
