@proinpro
Feature: PROINPRO in English — group size, PROSPERA majority and missing data
  The same step library in English: a designer may write either language, and both mean the
  same thing to the engine.

  Background:
    Given a group in the municipality "Tlapa de Comonfort" in Guerrero
    And the locality is rural
    And the date is 2016-09-01
    And the group has 5 members
    And every member is 25 years old
    And all members are PROSPERA beneficiaries
    And every member has medium entrepreneurial potential

  Rule: A group has at least 5 members (min_size)

    Scenario Outline: In 2016, a PROSPERA group of <n> members is "<result>"
      Given the group has <n> members
      When eligibility for PROINPRO is checked
      Then the result is "<result>"
      And the criterion "min_size" comes out "<criterion>"

      Examples:
        | n | result       | criterion |
        | 4 | not eligible | not met   |
        | 5 | eligible     | met       |

  Rule: More than half the members are PROSPERA beneficiaries (prospera_majority)

    Scenario Outline: A group of 5 with <k> PROSPERA members is "<result>"
      Given <k> of the members are PROSPERA beneficiaries
      When eligibility for PROINPRO is checked
      Then the result is "<result>"

      Examples:
        | k | result       |
        | 2 | not eligible |
        | 3 | eligible     |

  Rule: Facts that are not known give "cannot tell", never "no"

    Scenario: A group described member by member, one age missing, cannot be told
      Given the members are:
        | age | sex | prospera | potential |
        | 34  | F   | yes      | high      |
        | 41  | M   | yes      | medium    |
        |     | F   | yes      | high      |
        | 29  | F   | no       | very high |
        | 52  | M   | yes      | medium    |
      When eligibility for PROINPRO is checked
      Then it cannot be told whether the group is eligible
      And it cannot be told whether the criterion "Every member is 18 or older" is met
      And the explanation says "members[3].age" is missing

    Scenario: A minor in the group makes it not eligible, and the explanation cites the design document
      Given member 4 is 16 years old
      When eligibility is checked
      Then the group is not eligible for PROINPRO
      And the only criterion not met is "adults"
      And member 4 does not meet the criterion "adults"
      And the explanation cites "Proyecto de Inclusión Productiva Rural"
