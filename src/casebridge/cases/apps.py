from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casebridge.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from casebridge.cases import jobs  # noqa: F401  (registers the SLA sweep and repair)
        from casebridge.cases.workflow import acting_requirements
        from casebridge.rasci.policy import ActingRule, acting_rules_register

        # Who stands behind R and A of an activity is who its steps let act: the policy engine
        # sits below the workflow table, so the table tells it here.
        acting_rules_register(
            {
                activity: ActingRule(
                    levels=requirement.levels,
                    authorised_submitter=requirement.authorised_submitter,
                )
                for activity, requirement in acting_requirements().items()
            }
        )
