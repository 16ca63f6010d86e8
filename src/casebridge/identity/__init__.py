"""Getting in and out: invitations, single sign-on per organisation, second factors, sign-in
audit and offboarding, on top of django-allauth."""
