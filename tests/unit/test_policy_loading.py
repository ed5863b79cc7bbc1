"""Loading policies from YAML: the shipped policies are coherent, and every broken policy is
refused with one line naming the file, the line and the field of its first problem."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml

from steward.adapters.policy_yaml import PolicyYamlLoader, YamlPolicyLoader
from steward.domain.errors import InvalidInputError, PolicyInvalidError
from steward.domain.evidence_kinds import BUILTIN_EVIDENCE_KINDS, metrics_for
from steward.domain.policy import Policy
from steward.domain.policy_checks import problems

LOADER = YamlPolicyLoader()
SHIPPED = LOADER.builtin()
DEFAULT = SHIPPED["default"]

DEFAULT_ROLES = (
    "owner, business_owner, data_scientist, validator, risk_officer, auditor, ml_engineer, "
    "operations, architect"
)
DEFAULT_TIERS = "adhoc, scheduled, monitored, operational"
PERFORMANCE = "auc, pr_auc, accuracy, precision, recall, f1, log_loss, brier, rmse, mae, mape, r2"


def edited(old: str, new: str, text: str = DEFAULT) -> str:
    assert text.count(old) == 1, f"{old!r} is not unique in the default policy"
    return text.replace(old, new)


def line_of(text: str, marker: str) -> int:
    """1-based number of the only line containing `marker` (starting with it, after a '^')."""
    lines = [
        n
        for n, line in enumerate(text.splitlines(), start=1)
        if (line.startswith(marker[1:]) if marker.startswith("^") else marker in line)
    ]
    assert len(lines) == 1, f"{marker!r} is on lines {lines}"
    return lines[0]


def refusal(text: str, source: str = "default.yaml") -> PolicyInvalidError:
    with pytest.raises(PolicyInvalidError) as info:
        LOADER.load(text, source)
    return info.value


# The shipped policies ----------------------------------------------------------------------


def test_the_shipped_policies_are_named_by_their_name_field() -> None:
    assert sorted(SHIPPED) == ["default", "eu-ai-act", "sr-11-7"]


@pytest.mark.parametrize("name", ["default", "eu-ai-act", "sr-11-7"])
def test_each_shipped_policy_loads_with_no_problems(name: str) -> None:
    policy = LOADER.load(SHIPPED[name], f"{name}.yaml")
    assert policy.name == name
    assert problems(policy) == []
    assert len(policy.digest()) == 64
    # The stored form validates to the same policy (what a stored version is read back with).
    assert Policy.model_validate(policy.document()).digest() == policy.digest()


@pytest.mark.parametrize(
    ("name", "tiers"),
    [
        ("default", ("adhoc", "scheduled", "monitored", "operational")),
        ("sr-11-7", ("tier3", "tier2", "tier1")),
        ("eu-ai-act", ("minimal", "limited", "high", "prohibited")),
    ],
)
def test_tiers_are_listed_lowest_risk_first(name: str, tiers: tuple[str, ...]) -> None:
    assert LOADER.load(SHIPPED[name], name).tier_names() == tiers


@pytest.mark.parametrize("name", ["default", "eu-ai-act", "sr-11-7"])
def test_shipped_stages_move_forward_and_roll_back_only_to_a_stage_held_before(name: str) -> None:
    graph = LOADER.load(SHIPPED[name], name).stages.graph()
    assert graph.initial == "development"
    for current, target in [
        ("development", "staging"),
        ("staging", "production"),
        ("production", "retired"),
        ("development", "retired"),
        ("staging", "retired"),
        ("staging", "development"),
    ]:
        graph.check_move(current, target, held_before=False)
    graph.check_move("retired", "production", held_before=True)
    with pytest.raises(InvalidInputError, match="only a version that was in production"):
        graph.check_move("retired", "production", held_before=False)
    assert dict(graph.exclusive) == {"staging": "development", "production": "retired"}


def test_a_move_back_to_the_initial_stage_is_no_cycle_but_any_other_loop_is() -> None:
    back_to_start = edited(
        "    - {from: staging, to: production}\n",
        "    - {from: staging, to: production}\n    - {from: production, to: development}\n",
    )
    LOADER.load(back_to_start, "default.yaml")
    loop = edited(
        "    - {from: production, to: retired}\n",
        "    - {from: production, to: retired}\n    - {from: retired, to: staging}\n",
    )
    error = refusal(loop)
    assert str(error) == (
        f"default.yaml:{line_of(loop, '{from: retired, to: staging}')}: stages.transitions[3]: "
        "stage cycle: staging -> production -> retired -> staging; list moves back to an "
        "earlier stage under stages.rollback"
    )


def test_the_eu_prohibited_tier_has_no_way_out() -> None:
    policy = LOADER.load(SHIPPED["eu-ai-act"], "eu-ai-act.yaml")
    assert policy.tier("prohibited").prohibited
    assert policy.gates.get("prohibited") is None


def test_answers_like_yes_and_no_stay_text() -> None:
    policy = LOADER.load(SHIPPED["eu-ai-act"], "eu-ai-act.yaml")
    first = policy.questionnaire.questions[0]
    assert first.allowed() == ("no", "yes")
    prohibited = policy.questionnaire.rules[0]
    assert prohibited.any["social_scoring"].in_ == ("yes",)
    default = LOADER.load(DEFAULT, "default.yaml")
    people = next(q for q in default.questionnaire.questions if q.id == "affects_people")
    assert [(a.value, a.score) for a in people.answers] == [("no", 0), ("yes", 2)]


def test_plain_scalars_follow_the_yaml_1_2_core_schema() -> None:
    text = "a: [yes, no, on, off, y, n, true, False, 010, 0x1f, 1e3, .5, 2024-01-01, ~, null]"
    data = yaml.load(text, Loader=PolicyYamlLoader)
    assert data == {
        "a": [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            True,
            False,
            10,
            31,
            1000.0,
            0.5,
            "2024-01-01",
            None,
            None,
        ]
    }


def test_custom_evidence_kinds_of_a_policy_join_the_builtin_ones() -> None:
    policy = LOADER.load(DEFAULT, "default.yaml")
    assert metrics_for("load_test", None) is None
    assert metrics_for("load_test", policy) == frozenset(
        {
            "requests_per_second",
            "latency_p50_ms",
            "latency_p99_ms",
            "error_rate",
            "passed",
        }
    )
    assert metrics_for("performance", policy) == BUILTIN_EVIDENCE_KINDS["performance"]
    assert "passed" in BUILTIN_EVIDENCE_KINDS["fairness"]
    assert "delta_auc" in BUILTIN_EVIDENCE_KINDS["champion_challenger"]
    assert metrics_for("no_such_kind", policy) is None


# Broken policies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    id: str
    text: str
    expected: str
    source: str = "default.yaml"


def _cases() -> list[Broken]:
    cases: list[Broken] = []

    text = edited(
        '{role: risk_officer, count: 1, meaning: "risk accepted for an operational model"}',
        '{role: risk_offcer, count: 1, meaning: "risk accepted for an operational model"}',
    )
    cases.append(
        Broken(
            "unknown-role",
            text,
            f"default.yaml:{line_of(text, 'risk_offcer')}: "
            "gates.operational.production.signoffs[1].role: unknown role 'risk_offcer': "
            f"the policy defines {DEFAULT_ROLES}",
        )
    )

    text = edited(
        "    - {from: staging, to: production}\n",
        "    - {from: staging, to: production}\n    - {from: production, to: staging}\n",
    )
    cases.append(
        Broken(
            "stage-cycle",
            text,
            f"default.yaml:{line_of(text, '{from: production, to: staging}')}: "
            "stages.transitions[2]: stage cycle: staging -> production -> staging; "
            "list moves back to an earlier stage under stages.rollback",
        )
    )

    text = DEFAULT.replace("- performance.auc >= 0.7 ", "- performance.auk >= 0.7 ", 1)
    cases.append(
        Broken(
            "metric-no-check-produces",
            text,
            f"default.yaml:{line_of(text, 'performance.auk')}: "
            "gates.monitored.staging.checks[1]: no check produces metric 'performance.auk'; "
            f"performance produces: {PERFORMANCE}, passed",
        )
    )

    text = DEFAULT.replace("- performance.auc >= 0.7 ", "- performance.auc >= 1.5 ", 1)
    cases.append(
        Broken(
            "threshold-out-of-range",
            text,
            f"default.yaml:{line_of(text, 'performance.auc >= 1.5')}: "
            "gates.monitored.staging.checks[1]: performance.auc >= 1.5 can never hold: auc "
            "lies between 0 and 1",
        )
    )

    text = DEFAULT.replace(
        "- performance.auc >= 0.7 ", "- performance.auc >= 0.7\n        - performance.auc < 0.6 ", 1
    )
    cases.append(
        Broken(
            "contradictory-thresholds",
            text,
            f"default.yaml:{line_of(text, 'performance.auc < 0.6')}: "
            "gates.monitored.staging.checks[2]: the checks of performance.auc contradict each "
            "other: no value meets all of them",
        )
    )

    text = edited("  max_days: 90", "  max_days: 100000")
    cases.append(
        Broken(
            "endless-waivers",
            text,
            f"default.yaml:{line_of(text, 'max_days: 100000')}: waivers.max_days: waivers of "
            "100000 days are not exceptions: at most 3650 days (ten years)",
        )
    )

    text = edited("- load_test passed", "- load_tests passed")
    cases.append(
        Broken(
            "evidence-kind-nobody-produces",
            text,
            f"default.yaml:{line_of(text, 'load_tests')}: "
            "gates.operational.production.checks[6]: no check produces evidence kind "
            "'load_tests'; known kinds: data_quality, performance, champion_challenger, "
            "fairness, explainability, documentation, load_test (declare others under "
            "evidence_kinds)",
        )
    )

    text = edited("    recertify_days: 730\n", "    recertify_days: 730\n    colour: blue\n")
    cases.append(
        Broken(
            "unknown-field",
            text,
            f"default.yaml:{line_of(text, 'colour')}: tiers[1].colour: unknown field 'colour'; "
            "expected one of name, description, recertify_days, prohibited",
        )
    )

    text = edited("recertify_days: 365", "recertify_days: yearly")
    cases.append(
        Broken(
            "wrong-type",
            text,
            f"default.yaml:{line_of(text, 'yearly')}: tiers[2].recertify_days: input should be "
            "a valid integer, unable to parse string as an integer (got 'yearly')",
        )
    )

    text = edited("  max_days: 90\n", "  max_days: 90\n  max_days: 30\n")
    cases.append(
        Broken(
            "duplicate-key",
            text,
            f"default.yaml:{line_of(text, 'max_days: 30')}: waivers.max_days: duplicate key "
            f"'max_days' (first on line {line_of(text, 'max_days: 90')})",
        )
    )

    text = edited("  max_days: 90\n", "\tmax_days: 90\n")
    cases.append(
        Broken(
            "yaml-syntax-tab",
            text,
            f"default.yaml:{line_of(text, 'max_days')}: found character '\\t' that cannot "
            "start any token",
        )
    )

    cases.append(
        Broken(
            "yaml-syntax-unclosed-flow",
            "name: broken\nroles: {owner: The owner\ntiers: []\n",
            "broken.yaml:3: expected ',' or '}', but got ':'",
            "broken.yaml",
        )
    )

    text = edited("  monitored:\n    staging:", "  monitorred:\n    staging:")
    cases.append(
        Broken(
            "unknown-tier-in-gates",
            text,
            f"default.yaml:{line_of(text, 'monitorred')}: gates.monitorred: unknown tier "
            f"'monitorred': the policy defines {DEFAULT_TIERS}",
        )
    )

    text = edited("all: {usage: operational}", "all: {usage: operationl}")
    cases.append(
        Broken(
            "unknown-answer-in-rule",
            text,
            f"default.yaml:{line_of(text, 'operationl')}: questionnaire.rules[0].all.usage: "
            "unknown answer 'operationl' to question 'usage': expected one of adhoc, "
            "scheduled, monitored, operational",
        )
    )

    text = edited(
        "    - minimum: operational\n", "    - minimum: operational\n      tier: operational\n"
    )
    cases.append(
        Broken(
            "rule-with-tier-and-minimum",
            text,
            f"default.yaml:{line_of(text, '- minimum: operational')}: "
            "questionnaire.rules[0].minimum: a rule has either tier (set the tier and stop) "
            "or minimum (raise the floor), not both",
        )
    )

    text = edited("        - rollback_plan ", "        - rollback_plans ")
    cases.append(
        Broken(
            "undeclared-documentation-field",
            text,
            f"default.yaml:{line_of(text, 'rollback_plans')}: "
            "gates.operational.production.documentation[7]: unknown documentation field "
            "'rollback_plans': declare it under documentation_fields (declared: intended_use, "
            "limitations, owner, validation_date, deployment_mode, monitoring_plan, "
            "data_lineage, pii_handling, rollback_plan)",
        )
    )

    text = edited("    window: 1w\n", "    window: fortnight\n")
    cases.append(
        Broken(
            "malformed-window",
            text,
            f"default.yaml:{line_of(text, 'fortnight')}: monitoring.monitored.window: malformed "
            "window 'fortnight': use a number and a unit (s, m, h, d, w), such as 1d or 6h",
        )
    )

    text = edited("    window: 1w\n", "    window: 1w\n    drift: {method: energy}\n")
    cases.append(
        Broken(
            "unknown-drift-method",
            text,
            f"default.yaml:{line_of(text, 'energy')}: monitoring.monitored.drift.method: unknown "
            "drift method 'energy': use one of jensenshannon, psi, ks, wasserstein, chisquare, z",
        )
    )

    text = edited("action: demote, routes: [audit_log]", "action: demote, routes: [pager]")
    cases.append(
        Broken(
            "unknown-route",
            text,
            f"default.yaml:{line_of(text, '[pager]')}: monitoring.operational.rules[4].routes[0]: "
            "unknown route 'pager': the policy defines audit_log",
        )
    )

    text = edited(
        "  scheduled:\n    staging:",
        "  scheduled:\n    development:\n      checks: [data_quality passed]\n    staging:",
    )
    cases.append(
        Broken(
            "gate-to-the-initial-stage",
            text,
            f"default.yaml:{line_of(text, '^    development:')}: gates.scheduled.development: "
            "'development' is the initial stage: versions start there, so no gate leads into it",
        )
    )

    text = edited(
        "  minimal: {}\n",
        "  minimal: {}\n  prohibited:\n    production:\n      documentation: [intended_purpose]\n",
        SHIPPED["eu-ai-act"],
    )
    cases.append(
        Broken(
            "gate-on-a-prohibited-tier",
            text,
            f"eu-ai-act.yaml:{line_of(text, '^  prohibited:')}: gates.prohibited: tier "
            "'prohibited' is prohibited: its versions never leave 'development', so it takes "
            "no gates",
            "eu-ai-act.yaml",
        )
    )

    for source, empty in (("empty.yaml", ""), ("comments.yaml", "\n# nothing here\n")):
        cases.append(
            Broken(
                f"empty-{source}",
                empty,
                f"{source}:1: the policy is empty: expected a mapping with name, roles, "
                "questionnaire, tiers, stages and gates",
                source,
            )
        )

    cases.append(
        Broken(
            "top-level-list",
            "# a list, not a policy\n- name: default\n",
            "list.yaml:2: a policy must be a mapping of sections (name, roles, questionnaire, "
            "…) at the top level, not a list",
            "list.yaml",
        )
    )

    text = edited("name: default\n", "")
    cases.append(
        Broken(
            "missing-name",
            text,
            f"default.yaml:{line_of(text, 'title:')}: name: required field is missing",
        )
    )
    return cases


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.id)
def test_a_broken_policy_is_refused_with_one_line_naming_file_line_and_field(
    case: Broken,
) -> None:
    error = refusal(case.text, case.source)
    assert str(error) == case.expected
    assert "\n" not in str(error)
    assert error.problems == [case.expected]
    assert error.exit_code == 2


def test_more_problems_are_counted_and_all_kept_in_file_order() -> None:
    text = edited("role: risk_officer, count: 1", "role: risk_offcer, count: 1")
    text = edited("  monitored:\n    staging:", "  monitorred:\n    staging:", text)
    text = edited("granted_by: [risk_officer]", "granted_by: [risk_oficer]", text)
    error = refusal(text)
    first = line_of(text, "monitorred")
    assert str(error).startswith(f"default.yaml:{first}: gates.monitorred: unknown tier")
    assert str(error).endswith(" (and 2 more problems)")
    assert len(error.problems) == 3
    lines = [int(problem.split(":")[1]) for problem in error.problems]
    assert lines == sorted(lines)
    assert lines == [
        first,
        line_of(text, "risk_offcer"),
        line_of(text, "risk_oficer"),
    ]
    assert error.problems[2].endswith(
        f"waivers.granted_by[0]: unknown role 'risk_oficer': the policy defines {DEFAULT_ROLES}"
    )


def test_a_policy_error_built_without_problems_lists_its_message() -> None:
    assert PolicyInvalidError("p.yaml:1: bad").problems == ["p.yaml:1: bad"]


# Digests -----------------------------------------------------------------------------------


def _block(text: str, key: str) -> str:
    """The top-level block starting at `key:` up to the next top-level key."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i][:1].isalpha()),
        len(lines),
    )
    return "".join(lines[start:end])


def test_the_digest_ignores_key_order_comments_and_layout() -> None:
    digest = LOADER.load(DEFAULT, "default.yaml").digest()

    # The same document written out again: sorted keys, no comments, another style.
    data = yaml.load(DEFAULT, Loader=PolicyYamlLoader)
    rewritten = yaml.safe_dump(data, sort_keys=True, default_flow_style=False)
    assert LOADER.load(rewritten, "rewritten.yaml").digest() == digest

    # Sections moved around by hand, with comments added.
    waivers = _block(DEFAULT, "waivers")
    roles = _block(DEFAULT, "roles")
    moved = DEFAULT.replace(waivers, "").replace(roles, "")
    moved = f"# moved around\n{waivers}\n{roles}# roles came second\n{moved}"
    assert moved != DEFAULT
    assert LOADER.load(moved, "moved.yaml").digest() == digest


def test_any_change_of_meaning_changes_the_digest() -> None:
    digest = LOADER.load(DEFAULT, "default.yaml").digest()
    changed = edited("  max_days: 90\n", "  max_days: 91\n")
    assert LOADER.load(changed, "default.yaml").digest() != digest


def _shape(node: yaml.Node) -> object:
    """A node tree as plain data: tag, value and the line each node starts on."""
    line = node.start_mark.line
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, line)
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, [_shape(item) for item in node.value], line)
    assert isinstance(node, yaml.MappingNode)
    return (node.tag, [(_shape(k), _shape(v)) for k, v in node.value], line)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", [*sorted(SHIPPED), "scalars"])
def test_libyaml_builds_the_same_tree_as_the_python_parser(name: str) -> None:
    """Policies are parsed by libyaml for speed; the tags its plain scalars resolve to (YAML
    1.2's: `yes` and `1_000` stay text) and the lines problems are reported on must be the
    Python parser's."""
    from steward.adapters.policy_yaml import _fast_node

    text = SHIPPED.get(name, "a: yes\nb: 1_000\nc: 0o17\nd: .5\ne: ~\nf: [on, 0x1F, -.inf]\n")
    loader = PolicyYamlLoader(text)
    try:
        expected = loader.get_single_node()
    finally:
        loader.dispose()
    fast = _fast_node(text)
    assert fast is not None and expected is not None
    assert _shape(fast) == _shape(expected)
