"""The WSGI application, for gunicorn (with gunicorn.conf.py) and Django's runserver."""

import os

from django.core.servers import basehttp
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")

# Django's development server (wsgiref) would name itself and the Python version in a Server
# header; it sends none when its name is empty. Gunicorn's header is removed by gunicorn.conf.py.
basehttp.ServerHandler.server_software = ""

application = get_wsgi_application()
