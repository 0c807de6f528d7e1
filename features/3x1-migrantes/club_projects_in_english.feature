@tres_por_uno
Feature: 3x1 for Migrants in English — a migrant club's project
  A project of a migrant club organised abroad, with a quarter from each contributor.

  Background:
    Given a group in the municipality with code 14039
    And the date is 2006-02-01
    And the project is proposed by a migrant club
    And the proposer is organised in the United States
    And the contributions to the project are:
      | federal | state   | municipal | migrant |
      | 400,000 | 400,000 | 400,000   | 400,000 |

  Scenario: A club organised in the United States with equal shares is eligible
    When eligibility for 3x1 para Migrantes is checked
    Then the group is eligible
    And the criterion "organised_abroad" is met

  Scenario Outline: A project proposed by <who> is "<result>"
    Given the project is proposed by <who>
    When eligibility for 3x1 para Migrantes is checked
    Then the result is "<result>"

    Examples:
      | who                  | result       |
      | a migrant federation | eligible     |
      | the municipality     | not eligible |

  Scenario: A community group's proposal in 2003 is eligible, as 002 says
    Given the project is proposed by the group
    And the proposer is organised in Mexico
    And the date is 2003-06-30
    When eligibility for 3x1 para Migrantes is checked
    Then the group is eligible
    And the criterion "community_groups_accepted" is met
