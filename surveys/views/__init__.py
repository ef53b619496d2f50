"""The surveys' pages, by audience: the owners' (manage, the builder), results, exports, and the respondents'.
Each view's first line is its access call (`surveys.selectors.survey_access` and friends)."""

from surveys.views.building import build, part_delete, question_edit, section_edit, texts
from surveys.views.charts import result_chart
from surveys.views.exports import codebook, export, export_download, export_list
from surveys.views.manage import manage, preview, respondent_add, respondents_upload, survey_list
from surveys.views.respondent import answer, download_copy, open_link, opt_out, personal_link, review, section, thanks
from surveys.views.results import compare, results
from surveys.views.state import deadline, transition

__all__ = [
    "answer",
    "build",
    "codebook",
    "compare",
    "deadline",
    "download_copy",
    "export",
    "export_download",
    "export_list",
    "manage",
    "open_link",
    "opt_out",
    "part_delete",
    "personal_link",
    "preview",
    "question_edit",
    "respondent_add",
    "respondents_upload",
    "result_chart",
    "results",
    "review",
    "section",
    "section_edit",
    "survey_list",
    "texts",
    "thanks",
    "transition",
]
