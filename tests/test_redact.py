import logging

import pytest

from assistant.redact import RedactingFilter, redact


@pytest.mark.parametrize("text, secret, token", [
    ("我电话13812345678，请回电", "13812345678", "[手机号]"),
    ("手机 138-1234-5678", "138-1234-5678", "[手机号]"),
    ("+86 139 1234 5678 找王先生", "139 1234 5678", "[手机号]"),
    ("座机010-65123456转分机", "65123456", "[座机号]"),
    ("打(010)87654321", "87654321", "[座机号]"),
    ("家里电话是 6512 3456", "6512 3456", "[座机号]"),
    ("身份证110101199003071234办证", "110101199003071234", "[身份证号]"),
    ("身份证号11010119900307123X", "11010119900307123X", "[身份证号]"),
    ("老身份证110101900307123", "110101900307123", "[身份证号]"),
    ("退款到卡 6222021234567890123", "6222021234567890123", "[银行卡号]"),
    ("卡号 6222 0212 3456 7890", "6222 0212 3456 7890", "[银行卡号]"),
    ("邮箱 zhang.san+12345@example.com.cn 联系", "zhang.san+12345@example.com.cn", "[邮箱]"),
])
def test_personal_data_is_replaced(text, secret, token):
    out = redact(text)
    assert secret not in out
    assert token in out


@pytest.mark.parametrize("text", [
    "土地管理法第六十二条规定一户一宅",
    "2019年8月26日修正，2020年1月1日起施行",
    "补偿款 350000 元，面积 120 平方米",
    "拨打12345反映问题",
])
def test_ordinary_text_is_untouched(text):
    assert redact(text) == text


def test_logging_filter_redacts_messages(caplog):
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact"):
        logger.info("caller %s asked", "13900001111")
    assert "13900001111" not in caplog.text
    assert "[手机号]" in caplog.text


def test_logging_filter_keeps_argument_shape_for_uvicorn_access_log():
    from uvicorn.logging import AccessFormatter

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/v1/x?phone=13912345678", "1.1", 200), None)
    assert RedactingFilter().filter(record)
    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s", use_colors=False).format(record)
    assert "13912345678" not in line and "[手机号]" in line and "200" in line


def test_logging_filter_redacts_numeric_arguments(caplog):
    logger = logging.getLogger("test.redact.numbers")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test.redact.numbers"):
        logger.info("callback %d, count %d", 13900001111, 42)
    assert "13900001111" not in caplog.text and "count 42" in caplog.text


@pytest.mark.parametrize("text, secret", [
    ("我电话１３８１２３４５６７８", "５６７８"),                       # full-width digits
    ("身份证 110105 19900101 123X", "19900101"),                     # written with spaces
    ("GET /v1/x?q=138%201234%205678 HTTP/1.1", "5678"),               # percent-encoded in a URL
    ("GET /v1/x?q=zhang%40example.com HTTP/1.1", "example.com"),
    ("我家住朝阳区望京街道花家地北里，违建谁管", "花家地北里"),
    ("地址：海淀区中关村大街27号", "中关村大街"),
    ("楼下3号楼2单元501室在搭违建", "501室"),
    ("住建部令第44号：2单元302室", "302室"),
])
def test_personal_data_in_other_spellings_is_replaced(text, secret):
    assert secret not in redact(text)


@pytest.mark.parametrize("text", ["宅基地，一户一处（土地管理法第六十二条）？", "国土资源部令第44号", "罚款5000元",
                                  "2023年5月1日起施行"])
def test_full_width_punctuation_and_document_numbers_are_kept(text):
    assert redact(text) == text


def test_creating_many_apps_installs_the_log_filter_once():
    import logging

    from api.app import create_app
    from assistant.redact import RedactingFilter

    for _ in range(3):
        create_app()
    for name in ("uvicorn.access", "uvicorn.error", "api", "assistant"):
        assert sum(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters) == 1
