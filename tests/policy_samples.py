"""A small policy for tests that must not depend on the shipped policies' content: one question,
two tiers, a high tier that needs evidence, documentation and two validators for production."""

from __future__ import annotations

GATES_POLICY = """\
name: test-gates
title: Two-tier test policy
roles:
  data_scientist: builds and registers models
  validator: validates models independently
  risk_officer: owns model risk and grants exceptions
questionnaire:
  questions:
    - id: impact
      text: How much harm can a wrong prediction do?
      answers: {low: 0, high: 5}
  scoring:
    - {tier: low, min_score: 0}
    - {tier: high, min_score: 5}
  default_tier: low
tiers:
  - {name: low, recertify_days: 730}
  - {name: high, recertify_days: 365}
stages:
  names: [development, staging, production, retired]
  initial: development
  transitions:
    - {from: development, to: staging}
    - {from: staging, to: production}
    - {from: development, to: retired}
    - {from: staging, to: retired}
    - {from: production, to: retired}
  exclusive: {staging: development, production: retired}
  rollback:
    - {from: retired, to: production}
    - {from: staging, to: development}
documentation_fields:
  intended_use: what the model is for and for whom
gates:
  high:
    staging:
      checks: ["performance.auc >= 0.75"]
    production:
      checks: ["performance.auc >= 0.75", "data_quality passed"]
      signoffs:
        - {role: validator, count: 2, meaning: approved for production use}
      documentation: [intended_use]
waivers:
  granted_by: [risk_officer]
  max_days: 30
"""

# Answers that put a project in the shipped default policy's lowest tier, whose gates are empty:
# for tests about stage moves themselves rather than about what gates demand.
ADHOC_ANSWERS = {
    "audience": "team",
    "usage": "adhoc",
    "lifetime": "one_off",
    "impact": "negligible",
    "affects_people": "no",
    "affects_money": "no",
    "automation": "advisory",
}

# Answers that put a project in the default policy's "monitored" tier: scheduled scoring that
# needs monitoring, reviewed by people; its gates ask for the evidence engine's checks.
MONITORED_ANSWERS = {
    "audience": "internal",
    "usage": "monitored",
    "lifetime": "months",
    "impact": "moderate",
    "affects_people": "yes",
    "affects_money": "no",
    "automation": "reviewed",
}

# Answers of the shipped EU AI Act questionnaire that meet no rule: the lowest tier.
EU_NONE = {
    "manipulative_techniques": "no",
    "exploits_vulnerabilities": "no",
    "social_scoring": "no",
    "crime_prediction_by_profiling": "no",
    "facial_image_scraping": "no",
    "emotion_recognition_work_education": "no",
    "sensitive_biometric_categorisation": "no",
    "realtime_remote_biometric_identification": "no",
    "annex_iii_area": "none",
    "annex_i_safety_component": "no",
    "art_6_3_exception": "none",
    "profiling": "no",
    "interacts_with_people": "no",
    "generates_synthetic_content": "no",
    "emotion_recognition_or_biometric_categorisation": "no",
}

# Answers of the shipped SR 11-7 questionnaire that put a model in its lowest tier.
SR_LOW = {
    "materiality": "low",
    "complexity": "simple",
    "regulatory_use": "none",
    "upstream_models": "none",
    "customer_impact": "none",
    "vendor_model": "no",
}
