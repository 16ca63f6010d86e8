from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from casebridge.ui.views import (
    access,
    bulk,
    cases,
    home,
    installed_base,
    integrations,
    invitations,
    line,
    notifications,
    parties,
    profile,
    rasci,
    rca,
    saved_views,
    sla,
    tokens,
)
from casebridge.ui.views.sign_in import (
    PasswordResetRequestView,
    SignInView,
    managed_by_the_organisation_view,
    second_factor_required_view,
    single_sign_on_start_view,
)

app_name = "ui"

urlpatterns = [
    path("", home.home, name="home"),
    path("work/counts/", home.home_counts, name="home-counts"),
    path("work/<str:code>/", home.work_view, name="work"),
    path("line/", line.line_view, name="line"),
    path("cases/bulk/", bulk.bulk_view, name="cases-bulk"),
    path("views/", saved_views.saved_view_save_view, name="saved-view-save"),
    path(
        "views/<int:view_id>/delete/", saved_views.saved_view_delete_view, name="saved-view-delete"
    ),
    path("notifications/", notifications.inbox_view, name="inbox"),
    path("notifications/bell/", notifications.bell_view, name="bell"),
    path("notifications/read-all/", notifications.read_all_view, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/",
        notifications.notification_open_view,
        name="notification-open",
    ),
    path("login/", SignInView.as_view(), name="login"),
    path("accounts/login/", SignInView.as_view()),  # allauth's name for it: one sign-in page
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Ahead of allauth's own URL of the same path: the request is limited like sign-ins.
    path(
        "accounts/password/reset/",
        PasswordResetRequestView.as_view(),
        name="password-reset",
    ),
    path("sso/", single_sign_on_start_view, name="sso-start"),
    # allauth's e-mail address and provider-link management are not offered (see the view).
    path("accounts/email/", managed_by_the_organisation_view),
    re_path(r"^accounts/3rdparty/(?P<rest>.*)$", managed_by_the_organisation_view),
    path("two-factor/required/", second_factor_required_view, name="second-factor-required"),
    path("join/<str:token>/", invitations.invitation_accept_view, name="invitation-accept"),
    path("invitations/", invitations.invitations_view, name="invitations"),
    path(
        "organisations/<int:organisation_id>/invitations/",
        invitations.organisation_invitations_view,
        name="organisation-invitations",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        invitations.invitation_resend_view,
        name="invitation-resend",
    ),
    path(
        "invitations/<int:invitation_id>/withdraw/",
        invitations.invitation_revoke_view,
        name="invitation-revoke",
    ),
    path(
        "organisations/<int:organisation_id>/sign-in/",
        access.sign_in_settings_view,
        name="sign-in-settings",
    ),
    path(
        "organisations/<int:organisation_id>/sign-in/single-sign-on/",
        access.single_sign_on_save_view,
        name="single-sign-on-save",
    ),
    path(
        "organisations/<int:organisation_id>/sign-in/policy/",
        access.sign_in_policy_view,
        name="sign-in-policy",
    ),
    path("people/<int:person_id>/offboard/", access.offboard_view, name="offboard"),
    path("audit/", access.audit_view, name="audit"),
    path("audit/export.csv", access.audit_export_view, name="audit-export"),
    path("profile/", profile.profile_view, name="profile"),
    path("profile/details/", profile.profile_save_view, name="profile-save"),
    path("profile/notifications/", profile.preferences_save_view, name="profile-preferences"),
    path(
        "profile/sign-out-everywhere/", profile.sign_out_everywhere_view, name="sign-out-everywhere"
    ),
    path("organisations/", parties.organisation_list_view, name="organisations"),
    path(
        "organisations/<int:organisation_id>/auto-assignment/",
        parties.auto_assignment_view,
        name="organisation-auto-assignment",
    ),
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
    path("cases/", cases.queue_view, name="cases"),
    path("cases/new/", cases.new_case_view, name="case-new"),
    path("cases/go/", cases.case_lookup_view, name="case-lookup"),
    path("cases/<int:case_id>/assign-to-me/", cases.assign_to_me_view, name="case-assign-me"),
    path("cases/<int:case_id>/", cases.case_view, name="case"),
    path("cases/<int:case_id>/actions/<str:action>/", cases.case_action_view, name="case-action"),
    path("cases/<int:case_id>/comments/", cases.case_comment_view, name="case-comment"),
    path("cases/<int:case_id>/details/", cases.case_details_view, name="case-details"),
    path("cases/<int:case_id>/attachments/", cases.case_attach_view, name="case-attach"),
    path(
        "cases/<int:case_id>/attachments/<int:attachment_id>/",
        cases.attachment_download_view,
        name="case-attachment",
    ),
    path(
        "cases/<int:case_id>/escalation-check/",
        cases.escalation_checklist_view,
        name="case-checklist",
    ),
    path("cases/<int:case_id>/clocks/", sla.case_clocks_view, name="case-clocks"),
    path(
        "cases/<int:case_id>/clocks/<str:engagement>/<str:metric>/",
        sla.clock_explanation_view,
        name="case-clock",
    ),
    path("service-levels/", sla.service_levels_view, name="service-levels"),
    path(
        "service-levels/plans/<str:code>/targets/<str:priority>/",
        sla.target_save_view,
        name="sla-target-save",
    ),
    path(
        "service-levels/calendars/<str:code>/closed-days/",
        sla.closed_day_add_view,
        name="sla-closed-day-add",
    ),
    path(
        "service-levels/calendars/<str:code>/closed-days/<str:day>/delete/",
        sla.closed_day_remove_view,
        name="sla-closed-day-remove",
    ),
    path("api-tokens/", tokens.tokens_view, name="tokens"),
    path("api-tokens/new/", tokens.token_create_view, name="token-create"),
    path("api-tokens/<int:token_id>/revoke/", tokens.token_revoke_view, name="token-revoke"),
    path("integrations/", integrations.integrations_view, name="integrations"),
    path("integrations/webhooks/", integrations.webhook_add_view, name="webhook-add"),
    path(
        "integrations/webhooks/<int:subscription_id>/remove/",
        integrations.webhook_delete_view,
        name="webhook-delete",
    ),
    path(
        "integrations/deliveries/<int:delivery_id>/redeliver/",
        integrations.redeliver_view,
        name="webhook-redeliver",
    ),
    path("rcas/", rca.rca_list_view, name="rcas"),
    path("rcas/<int:rca_id>/", rca.rca_view, name="rca"),
    path("rcas/<int:rca_id>/sections/", rca.rca_sections_view, name="rca-sections"),
    path("rcas/<int:rca_id>/actions/", rca.rca_action_add_view, name="rca-action-add"),
    path(
        "rcas/<int:rca_id>/actions/<int:action_id>/status/",
        rca.rca_action_status_view,
        name="rca-action-status",
    ),
    path("rcas/<int:rca_id>/sign/", rca.rca_sign_view, name="rca-sign"),
    path("rcas/<int:rca_id>/revise/", rca.rca_revise_view, name="rca-revise"),
    path("rcas/<int:rca_id>/print/", rca.rca_print_view, name="rca-print"),
    path("rcas/<int:rca_id>/export.pdf", rca.rca_pdf_view, name="rca-pdf"),
    path("installed-base/", installed_base.compliance_view, name="compliance"),
    path(
        "organisations/<int:organisation_id>/installations/",
        installed_base.installation_add_view,
        name="installation-add",
    ),
    path("installed-base/export.csv", installed_base.compliance_export, name="compliance-export"),
    path("installed-base/releases/", installed_base.releases_view, name="releases"),
    path("rasci/", rasci.matrices_view, name="rasci"),
    path("rasci/versions/<int:version_id>/", rasci.version_view, name="rasci-version"),
    path(
        "rasci/versions/<int:version_id>/publish/",
        rasci.version_publish_view,
        name="rasci-publish",
    ),
    path(
        "rasci/versions/<int:version_id>/export.<str:format>",
        rasci.version_export,
        name="rasci-export",
    ),
    path(
        "organisations/<int:organisation_id>/responsibilities/",
        rasci.responsibilities_view,
        name="responsibilities",
    ),
]
