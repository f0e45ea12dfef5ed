"""Chinese numerals as written in statutes and answers: 六十二, 二十, 一万五千."""

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_MYRIAD = "万"


def cn_to_int(numeral: str) -> int:
    """Chinese numeral to int: 六十二 -> 62, 一万五千 -> 15000."""
    total, section, digit = 0, 0, 0
    for ch in numeral:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            section += (digit or 1) * CN_UNITS[ch]
            digit = 0
        elif ch == CN_MYRIAD:
            total += (section + digit or 1) * 10000
            section, digit = 0, 0
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + section + digit
