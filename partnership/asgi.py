import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings")

application = get_asgi_application()

# As in wsgi.py: with DEBUG off, a weak or the development SECRET_KEY stops the server before any request.
from partnership.checks import refuse_weak_secret_key  # noqa: E402 - needs the settings configured above

refuse_weak_secret_key()
