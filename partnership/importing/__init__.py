"""What every import of the portal shares: reading a file as the user saved it, finding organisations
by name, and rows whose every problem is named in plain words.

Reading. A text file may separate its columns with commas, semicolons or tabs: the separator the
first row uses most wins (Excel writes semicolons in most EU locales). A byte-order mark is skipped.
The text may be UTF-8, or UTF-16 with its mark (Excel's "Unicode text"); a file in an older
8-bit encoding is read when its accented letters read the same in Latin-1 (Windows-1252) and in
Windows-1250, and otherwise refused with the encoding it seems to be in, the row where that shows
and how to save it as UTF-8. An XLSX workbook's first sheet is read; empty cells are empty text.
Column names are read whatever their case or surrounding spaces, an inner space as an underscore
("Short name" is short_name). Empty rows at the end are dropped; an empty row inside is skipped.
Rows are numbered from the first row under the column names, as the preview numbers them.

Names of organisations (`normalised_name`): two names are the same organisation's when they are
equal once case, accents, punctuation and dashes, and runs of spaces are set aside and a leading
"European Commission –" (or "European Union", "EC", "EU", followed by a dash, colon, comma or slash)
is dropped: "European Commission – DG Migration and Home Affairs" is "DG Migration and Home Affairs".
`OrganisationIndex.find` tries the exact name first, then that normalised name, then the short
names; a match other than the exact name is reported, as a possible duplicate, where it matters.
"""

from partnership.importing.files import (
    IMPORT_FORMATS,
    ImportFileError,
    column_key,
    decode,
    read_text_table,
    read_workbook,
)
from partnership.importing.names import Match, OrganisationIndex, OrganisationWidget, normalised_name, taken_as
from partnership.importing.rows import ChoiceWidget, DayWidget, PlainImportResource, cell_text, filled, split_list

__all__ = [
    "IMPORT_FORMATS",
    "ChoiceWidget",
    "DayWidget",
    "ImportFileError",
    "Match",
    "OrganisationIndex",
    "OrganisationWidget",
    "PlainImportResource",
    "cell_text",
    "column_key",
    "decode",
    "filled",
    "normalised_name",
    "read_text_table",
    "read_workbook",
    "split_list",
    "taken_as",
]
