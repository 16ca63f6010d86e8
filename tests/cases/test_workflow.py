"""The transition table on its own: every engagement x state x action."""

import pytest

from casebridge.cases import workflow
from casebridge.cases.choices import CustomerStatus, EngagementKind, VendorStatus

STATES = {
    EngagementKind.CUSTOMER: CustomerStatus.values,
    EngagementKind.VENDOR: VendorStatus.values,
}
INITIAL = {
    EngagementKind.CUSTOMER: CustomerStatus.NEW,
    EngagementKind.VENDOR: VendorStatus.SUBMITTED,
}
GRID = [
    pytest.param(kind, status, action, id=f"{kind}-{status}-{action}")
    for kind, states in STATES.items()
    for status in states
    for action in sorted(workflow.ACTIONS)
]


@pytest.mark.parametrize(("kind", "status", "action"), GRID)
def test_every_state_and_action(kind, status, action):
    listed = [t for t in workflow.TRANSITIONS if t.engagement == kind and t.action == action]
    legal = [t for t in listed if status in t.sources]

    if legal:
        assert workflow.transition_for(kind, status, action) == legal[0]
    else:
        with pytest.raises(workflow.IllegalTransition) as error:
            workflow.transition_for(kind, status, action)
        assert error.value.allowed == [t.action for t in workflow.available(kind, status)]


def test_targets_and_sources_are_real_states():
    for transition in workflow.TRANSITIONS:
        states = STATES[transition.engagement]
        assert transition.target in states
        assert transition.sources <= set(states)


def test_action_names_are_unique_across_engagements():
    assert len({t.action for t in workflow.TRANSITIONS}) == len(workflow.TRANSITIONS)


@pytest.mark.parametrize("kind", list(STATES))
def test_every_state_is_reachable_and_only_final_states_are_dead_ends(kind):
    reached, frontier = {INITIAL[kind]}, [INITIAL[kind]]
    while frontier:
        status = frontier.pop()
        for transition in workflow.available(kind, status):
            if transition.target not in reached:
                reached.add(transition.target)
                frontier.append(transition.target)
    dead_ends = {s for s in STATES[kind] if not workflow.available(kind, s)}

    assert reached == set(STATES[kind])
    assert dead_ends <= workflow.FINAL[kind]


def test_every_transition_names_an_activity_of_the_default_matrix():
    from casebridge.rasci.defaults import default_matrices

    codes = {spec.code for _, spec in default_matrices().rows["model_1"]}

    assert {t.activity for t in workflow.TRANSITIONS} <= codes


@pytest.mark.parametrize(
    ("level", "required", "ok"),
    [
        (None, None, True),
        ("", "l1_basic", False),
        ("l1_basic", "l1_basic", True),
        ("l2_intermediate", "l2_advanced", False),
        ("l3_expert", "l2_advanced", True),
    ],
)
def test_support_levels(level, required, ok):
    assert workflow.meets_level(level, required) is ok
