from django.contrib.auth import views as auth_views
from django.urls import path

from casebridge.ui.views import parties

app_name = "ui"

urlpatterns = [
    path("", parties.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="ui/registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("organisations/", parties.organisation_list_view, name="organisations"),
    path("organisations/<int:organisation_id>/", parties.organisation_view, name="organisation"),
    path(
        "organisations/<int:organisation_id>/submitters/",
        parties.submitter_register_view,
        name="submitter-register",
    ),
    path(
        "submitters/<int:submitter_id>/verify/",
        parties.submitter_verify_view,
        name="submitter-verify",
    ),
    path("certifications/expiring/", parties.expiring_view, name="expiring"),
]
