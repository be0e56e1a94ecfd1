from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.models import WriteProbe
from messenger_project.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def write(request):
    """The write ceiling: one small row saved with the ORM in a transaction, nothing else."""
    with transaction.atomic():
        WriteProbe(note="bench").save()
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/write", write), *project_urlpatterns]
