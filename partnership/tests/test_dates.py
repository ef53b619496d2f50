"""Dates as each language writes them (partnership/formats, meetings.times): Django's own wrote "4 Siječanj 2027"
for Croatian from an explicit format, "04 Gennaio 2027" for Italian and the American "Jan. 4, 2027" for English."""

from __future__ import annotations

import datetime

import pytest
from django.utils import formats, translation

from meetings import times


@pytest.mark.parametrize(
    ("language", "day", "moment", "weekday"),
    [
        ("hr", "4. siječnja 2027.", "4. 11. 2027. 14:30", "Četvrtak, 6. lipnja 2019."),
        ("it", "4 gennaio 2027", "04/11/2027 14:30", "Giovedì 6 giugno 2019"),
        ("en", "4 January 2027", "4 Nov 2027 14:30", "Thursday 6 June 2019"),
    ],
)
def test_dates_read_as_the_language_writes_them(language, day, moment, weekday):
    with translation.override(language):
        assert formats.date_format(datetime.date(2027, 1, 4)) == day
        assert formats.date_format(datetime.datetime(2027, 11, 4, 14, 30), "SHORT_DATETIME_FORMAT") == moment
        assert times.meeting_day(datetime.date(2019, 6, 6)) == weekday


def test_a_meeting_time_in_a_sentence_keeps_the_weekday_in_lower_case():
    with translation.override("hr"):
        assert formats.date_format(datetime.date(2019, 6, 6), times.IN_LANGUAGE["hr"][times.DATE]) == (
            "četvrtak, 6. lipnja 2019."
        )
    with translation.override("it"):
        assert formats.date_format(datetime.date(2019, 6, 6), times.IN_LANGUAGE["it"][times.DATE]) == (
            "giovedì 6 giugno 2019"
        )
