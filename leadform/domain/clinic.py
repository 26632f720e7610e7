"""The clinic's identity: its name (per language), phone, WhatsApp number, address and
opening hours, as the operator sets them; shown in page titles, the header, the
thank-you page and the staff's lead emails. Pure."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

from leadform.i18n.languages import parse_tag
from leadform.i18n.messages import Localised

DEFAULT_REGION = "HK"
PER_LANGUAGE_SEPARATOR = "|"


@dataclass(frozen=True)
class Clinic:
    name: Localised | None = None
    phone: str = ""  # E.164
    whatsapp: str = ""  # E.164
    address: Localised | None = None
    hours: Localised | None = None

    @property
    def has_contact(self) -> bool:
        return bool(self.phone or self.whatsapp or self.address or self.hours)

    @property
    def tel_url(self) -> str:
        """RFC 3966: the global number, which dials from anywhere."""
        return f"tel:{self.phone}"

    @property
    def whatsapp_url(self) -> str:
        """WhatsApp's click-to-chat link: the full number, digits only."""
        return f"https://wa.me/{self.whatsapp.removeprefix('+')}"

    @property
    def phone_shown(self) -> str:
        return readable_number(self.phone)

    @property
    def whatsapp_shown(self) -> str:
        return readable_number(self.whatsapp)


NO_CLINIC = Clinic()


def parse_per_language(value: str) -> Localised | None:
    """`Default|zh-Hant-HK=Traditional|zh-Hans-CN=Simplified`: the text for every
    language first, then any language's own after a tag; empty: None."""
    parts = [part.strip() for part in value.split(PER_LANGUAGE_SEPARATOR)]
    if not any(parts):
        return None
    default, *given = parts
    if not default or _tagged(default) is not None:
        raise ValueError("must start with the text for every language, before any tag=")
    texts = [("", default)]
    for part in given:
        tagged = _tagged(part)
        if tagged is None or not tagged[1]:
            raise ValueError(f"{part!r} is not a language tag=text, e.g. zh-Hant-HK=…")
        texts.append(tagged)
    return Localised(tuple(texts))


def _tagged(part: str) -> tuple[str, str] | None:
    tag, equals, text = part.partition("=")
    if not equals or parse_tag(tag.strip()) is None:
        return None
    return tag.strip(), text.strip()


def parse_number(value: str) -> str:
    """A phone number (Hong Kong's need no country code), as E.164; empty: none."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("must be a phone number such as 2123 4567 or +852 2123 4567") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("must be a phone number such as 2123 4567 or +852 2123 4567")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def readable_number(e164: str) -> str:
    """ "+852 2123 4567": grouped as the country writes it, with its code."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
