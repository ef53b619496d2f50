"""Reading and posting pages as a browser would, for the tests of the admin's forms and the meeting page:
every field posted with the value the page rendered, and the text a reader sees."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Any


class _FormFields(HTMLParser):
    """The fields a browser would post from a page: inputs, checked boxes, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: tuple[str, bool, list[str]] | None = None  # name, multiple, the first option's value
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        name = attr.get("name")
        kind = attr.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "file", "image", "reset"):
            if kind in ("checkbox", "radio"):
                if "checked" in attr:
                    self.values.setdefault(name, []).append(attr.get("value") or "on")
            else:
                self.values[name] = [attr.get("value") or ""]
        elif tag == "select" and name:
            self._select = (name, "multiple" in attr, [])
            self.values[name] = []
        elif tag == "option" and self._select is not None:
            select_name, _multiple, first = self._select
            value = attr.get("value") or ""
            if not first:
                first.append(value)
            if "selected" in attr:
                self.values[select_name].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            name, multiple, first = self._select
            if not self.values[name] and not multiple and first:
                self.values[name] = first  # a browser posts a single select's first option
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            # Browsers drop the one newline that follows <textarea>.
            text = self.values[self._textarea][0] + data
            self.values[self._textarea][0] = text.removeprefix("\n")


def form_fields(response: Any) -> dict[str, list[str]]:
    """What the browser would post back from the admin page, unchanged."""
    html = response.content.decode()
    form = re.search(r'<form [^>]*id="\w+_form".*?</form>', html, re.DOTALL)
    assert form is not None, "no admin form on the page"
    parser = _FormFields()
    parser.feed(form.group(0))
    return parser.values


def split(key: str, day: str, clock: str) -> dict[str, list[str]]:
    """A date-time field as the admin's two inputs, a day and a clock time."""
    return {f"{key}_0": [day], f"{key}_1": [clock]}


def page_text(html: str) -> str:
    """The text a reader sees: no tags, entities read, runs of white space as one space."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split()).replace(" ,", ",")


def agenda_text(response: Any) -> str:
    return page_text(response.content.decode().split('id="agenda-heading"')[1].split("</section>")[0])
