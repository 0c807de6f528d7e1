@gaps
Feature: Coordination gaps in English — Panama's Business Opportunities Network (MDGF-2097)
  The joint programme's gap report: declarative commitments, a late disbursement, missing plans.

  Background:
    Given the coordination case "panama-rdeoe"
    And the commitment "desembolso-3" from "fodm" to "rdeoe" exists

  Scenario: The third disbursement is late, a budget inconsistency about the fund
    When the gap report is produced
    Then the report contains a gap of kind "Budget inconsistency" about "fodm"
    And the gap of kind "budget_inconsistency" names the commitment "desembolso-3"

  Scenario: The joint programme has no sustainability or communication plan
    When the gap report is produced
    Then the report contains a gap of kind "missing_plan" about "rdeoe"
    And the gap of kind "missing_plan" has severity medium

  Scenario: Commitments of AMPYME are only declarative
    When the gap report is produced
    Then the report contains a gap of kind "declarative_only" about "ampyme"
