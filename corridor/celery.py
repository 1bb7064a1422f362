"""The Celery application.

Without a broker URL, tasks run inline (``task_always_eager``): nothing to start.
With ``CELERY_BROKER_URL`` set (Redis at scale), the same task code runs on workers.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.settings")

app = Celery("corridor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
