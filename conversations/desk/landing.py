"""`GET /`: a small landing page that links the desk, the admin, the demo page (`/demo/`, also served by the desk's
views) and the API docs.

Links only: it never shows a login, a key or a secret (those are printed by `make run`, i.e. `manage.py seed_demo`),
so it is the same page in production, where the demo link is left out when there is no demo account.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from agents.demo import DEMO_ACCOUNT
from agents.models import Account


@require_safe
def landing(request):
    has_demo = Account.objects.filter(name=DEMO_ACCOUNT).exists()
    return render(request, "landing.html", {"has_demo": has_demo})
