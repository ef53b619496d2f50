"""gunicorn's settings for the portal, read by `make serve` (and by gunicorn started in this folder).

The access log masks the tokens that personal links, calendar feeds and password resets carry in their paths
(partnership.access_log); where the log goes stays on the command line (`--access-logfile -`).
"""

logger_class = "partnership.access_log.TokenMaskingLogger"
