import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings")

application = get_wsgi_application()

# With DEBUG off, a weak or the development SECRET_KEY stops the web server here, before any request.
from partnership.checks import refuse_weak_secret_key  # noqa: E402 - needs the settings configured above

refuse_weak_secret_key()
