@gaps
Feature: Coordination gaps in English — Panama's Business Opportunities Network (MDGF-2097)
  The monitoring sheet (003): status "Retrasado", weak governance and local ownership, no
  beneficiaries from ethnic groups, budget lines 54,000 short of the total, a third disbursement
  with no date, and no sustainability or communication plan.

  Background:
    Given the coordination case "panama-rdeoe"
    And the commitment "desembolso-3" from "fodm" to "rdeoe" exists

  Scenario: The third disbursement has no date, a budget inconsistency about the fund
    When the gap report is produced
    Then the report contains a gap of kind "Budget inconsistency" about "fodm"
    And the gap of kind "budget_inconsistency" names the commitment "desembolso-3"

  Scenario: The joint programme has no sustainability or communication plan
    When the gap report is produced
    Then the report contains a gap of kind "missing_plan" about "rdeoe"
    And the gap of kind "missing_plan" has severity medium

  Scenario: Indigenous areas are targeted but no beneficiary is from an ethnic group
    When the gap report is produced
    Then the report contains a gap of kind "target_group_not_reached" about "rdeoe"
    And the gap of kind "target_group_not_reached" has severity high

  Scenario: No agency-counterpart commitment is invented, so none is declarative
    When the gap report is produced
    Then the report contains no gap of kind "declarative_only"
