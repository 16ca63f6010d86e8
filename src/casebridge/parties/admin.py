"""The vendor's back office. Every change goes through the same services as the API and UI."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from casebridge.core.errors import DomainError
from casebridge.core.validation import Errors, clean_multiline, clean_single_line
from casebridge.parties import services
from casebridge.parties.choices import Role
from casebridge.parties.models import (
    ApiToken,
    AuthorisedSubmitter,
    Certification,
    CustomerRelationship,
    OperatingModel,
    Organisation,
    Person,
    Training,
)


class ServiceForm(forms.ModelForm):
    """A model form whose save is a service call: rules and audit apply, errors land on fields."""

    actor: Any = None

    def run_service(self) -> Model:
        raise NotImplementedError

    def _post_clean(self) -> None:
        if self.errors:
            return
        try:
            self.instance = self.run_service()
        except DomainError as error:
            if not error.fields:
                self.add_error(None, error.detail)
            for name, problems in error.fields.items():
                self.add_error(name if name in self.fields else None, problems)


class ServiceAdmin(admin.ModelAdmin):
    """Admin whose add and change forms save through a :class:`ServiceForm`."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """The service already saved the row inside the form's validation."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Related rows (roles) are saved by the service."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AddOnlyAdmin(ServiceAdmin):
    """Records that are added, never edited (certifications, trainings, submitters)."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)


class OrganisationForm(ServiceForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "helpdesk_email", "helpdesk_phone", "is_active"]

    def run_service(self) -> Model:
        data = self.cleaned_data
        if self.instance.pk is None:
            return services.organisation_create(
                actor=self.actor,
                name=data["name"],
                kind=data["kind"],
                helpdesk_email=data.get("helpdesk_email", ""),
                helpdesk_phone=data.get("helpdesk_phone", ""),
            )
        return services.organisation_update(
            actor=self.actor,
            organisation=self.instance,
            name=data["name"],
            helpdesk_email=data.get("helpdesk_email", ""),
            helpdesk_phone=data.get("helpdesk_phone", ""),
            is_active=data["is_active"],
        )


class RelationshipInline(admin.StackedInline):
    model = CustomerRelationship
    fk_name = "customer"
    extra = 0
    can_delete = False
    readonly_fields = [
        "partner",
        "operating_model",
        "scenario",
        "support_plan",
        "time_zone",
        "country",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(ServiceAdmin):
    form = OrganisationForm
    list_display = ["name", "slug", "kind", "is_active", "helpdesk_email"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    inlines = [RelationshipInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["kind", "slug"] if obj is not None else ["slug"]


class RelationshipForm(ServiceForm):
    class Meta:
        model = CustomerRelationship
        fields = [
            "customer",
            "partner",
            "operating_model",
            "scenario",
            "support_plan",
            "time_zone",
            "country",
        ]

    def run_service(self) -> Model:
        data = self.cleaned_data
        return services.relationship_set(
            actor=self.actor,
            customer=data["customer"],
            partner=data.get("partner"),
            operating_model=data["operating_model"].code,
            scenario=data["scenario"],
            support_plan=data["support_plan"].code,
            time_zone=data["time_zone"],
            country=data["country"],
        )


class OperatingModelForm(forms.ModelForm):
    """An operating model's name is one line; its description may span lines."""

    class Meta:
        model = OperatingModel
        fields = ["code", "name", "description", "partner_in_between"]

    def _cleaned(self, field: str, clean: Any, max_length: int, required: bool) -> str:
        errors = Errors()
        value = clean(
            self.cleaned_data.get(field), errors, field, max_length=max_length, required=required
        )
        if errors:
            raise forms.ValidationError(errors.fields[field])
        return str(value)

    def clean_name(self) -> str:
        return self._cleaned("name", clean_single_line, 100, True)

    def clean_description(self) -> str:
        return self._cleaned("description", clean_multiline, 5000, False)


@admin.register(OperatingModel)
class OperatingModelAdmin(admin.ModelAdmin):
    form = OperatingModelForm
    list_display = ["code", "name", "partner_in_between"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code", "partner_in_between"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CustomerRelationship)
class CustomerRelationshipAdmin(ServiceAdmin):
    form = RelationshipForm
    list_display = ["customer", "partner", "operating_model", "scenario", "support_plan"]
    list_filter = ["operating_model", "scenario", "support_plan"]
    list_select_related = ["customer", "partner"]
    search_fields = ["customer__name", "partner__name"]
    autocomplete_fields = ["customer", "partner"]


class PersonForm(ServiceForm):
    roles_field = forms.MultipleChoiceField(
        label="Roles", choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput,
        help_text="Only when adding; leave empty to let the person set one later.",
    )

    class Meta:
        model = Person
        fields = [
            "email",
            "full_name",
            "organisation",
            "phone",
            "support_level",
            "is_active",
            "is_staff",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["roles_field"].initial = sorted(self.instance.role_codes)
            for name in ("email", "organisation", "is_staff"):
                self.fields[name].disabled = True
            self.fields.pop("password")

    def run_service(self) -> Model:
        data = self.cleaned_data
        if self.instance.pk is None:
            return services.person_create(
                actor=self.actor,
                organisation=data["organisation"],
                email=data["email"],
                full_name=data["full_name"],
                roles=data["roles_field"],
                phone=data.get("phone", ""),
                support_level=data.get("support_level", ""),
                password=data.get("password") or None,
                is_staff=data.get("is_staff", False),
            )
        return services.person_update(
            actor=self.actor,
            person=self.instance,
            full_name=data["full_name"],
            phone=data.get("phone", ""),
            support_level=data.get("support_level", ""),
            roles=data["roles_field"],
            is_active=data["is_active"],
        )


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    form = PersonForm
    list_display = ["full_name", "email", "organisation", "support_level", "is_active"]
    list_filter = ["organisation__kind", "support_level", "is_active", "roles__role"]
    list_select_related = ["organisation"]
    search_fields = ["full_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    fields = [
        "email",
        "full_name",
        "organisation",
        "roles_field",
        "phone",
        "support_level",
        "password",
        "is_active",
        "is_staff",
    ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [name for name in self.fields if obj is None or name != "password"]


class CertificationForm(ServiceForm):
    class Meta:
        model = Certification
        fields = ["person", "level", "issued_on", "expires_on", "reference"]

    def run_service(self) -> Model:
        data = self.cleaned_data
        return services.certification_record(
            actor=self.actor,
            person=data["person"],
            level=data["level"],
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
            reference=data.get("reference", ""),
        )


@admin.register(Certification)
class CertificationAdmin(AddOnlyAdmin):
    form = CertificationForm
    list_display = ["person", "level", "issued_on", "expires_on", "reference"]
    list_filter = ["level"]
    list_select_related = ["person"]
    search_fields = ["person__full_name", "person__email", "reference"]
    autocomplete_fields = ["person"]
    date_hierarchy = "expires_on"


class TrainingForm(ServiceForm):
    class Meta:
        model = Training
        fields = ["person", "level", "held_on"]

    def run_service(self) -> Model:
        data = self.cleaned_data
        return services.training_record(
            actor=self.actor, person=data["person"], level=data["level"], held_on=data["held_on"]
        )


@admin.register(Training)
class TrainingAdmin(AddOnlyAdmin):
    form = TrainingForm
    list_display = ["person", "partner", "level", "held_on", "included_in_fee"]
    list_filter = ["level", "included_in_fee"]
    list_select_related = ["person", "partner"]
    search_fields = ["person__full_name", "partner__name"]
    autocomplete_fields = ["person"]


class SubmitterForm(ServiceForm):
    class Meta:
        model = AuthorisedSubmitter
        fields = ["person", "email", "phone"]

    def run_service(self) -> Model:
        data = self.cleaned_data
        return services.submitter_register(
            actor=self.actor, person=data["person"], phone=data["phone"], email=data["email"]
        )


@admin.register(AuthorisedSubmitter)
class AuthorisedSubmitterAdmin(AddOnlyAdmin):
    form = SubmitterForm
    list_display = ["person", "email", "phone", "verified_at", "active"]
    list_filter = ["active"]
    list_select_related = ["person"]
    search_fields = ["person__full_name", "email", "phone"]
    autocomplete_fields = ["person"]
    actions = ["verify"]

    @admin.action(description="Verify the selected submitters")
    def verify(self, request: HttpRequest, queryset: QuerySet[AuthorisedSubmitter]) -> None:
        verified = 0
        for submitter in queryset:
            try:
                services.submitter_verify(actor=request.user, submitter=submitter)  # type: ignore[arg-type]
            except DomainError as error:
                self.message_user(request, f"{submitter}: {error}", messages.ERROR)
            else:
                verified += 1
        self.message_user(request, f"Verified {verified} submitters.", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "person",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_select_related = ["person"]
    search_fields = ["name", "prefix", "person__email"]
    readonly_fields = [
        "person",
        "name",
        "prefix",
        "scopes",
        "minted_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["secret_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
