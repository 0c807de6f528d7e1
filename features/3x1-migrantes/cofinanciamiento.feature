# language: es
@tres_por_uno
Característica: 3x1 para Migrantes — quién propone y cómo se cofinancia
  Un proyecto propuesto por un club o federación de migrantes organizado fuera de México (de 2002
  a 2004 también por un grupo organizado de la comunidad de origen), con 25% de cada aportante
  (federal, estatal, municipal y grupo migrante), de 2002 a 2007 según las fuentes.

  Antecedentes:
    Dado un grupo en el municipio "Fresnillo" de Zacatecas
    Y la fecha es 2006-04-01
    Y el proyecto lo propone un club de migrantes
    Y quien propone está organizado en Estados Unidos
    Y el proyecto es del sector infraestructura
    Y cada aportación al proyecto es de 250,000 pesos

  Regla: Lo propone un club o federación de migrantes (migrant_proposer)

    Esquema del escenario: Un proyecto propuesto por <quién> resulta «<resultado>»
      Dado el proyecto lo propone <quién>
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el resultado es "<resultado>"
      Y el criterio "migrant_proposer" da "<criterio>"

      Ejemplos:
        | quién                        | resultado   | criterio  |
        | un club de migrantes         | elegible    | cumple    |
        | una federación de migrantes  | elegible    | cumple    |
        | el municipio                 | no elegible | no cumple |
        | el grupo                     | no elegible | no cumple |

  Regla: El club está organizado en el exterior (organised_abroad)

    Esquema del escenario: Un club organizado en <país> resulta «<resultado>»
      Dado quien propone está organizado en <país>
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el resultado es "<resultado>"
      Y el criterio "organised_abroad" da "<criterio>"

      Ejemplos:
        | país           | resultado   | criterio  |
        | Estados Unidos | elegible    | cumple    |
        | Canadá         | elegible    | cumple    |
        | México         | no elegible | no cumple |

  Regla: Cada aportante pone al menos 25% del proyecto (federal_share, state_share, municipal_share, migrant_share)

    Esquema del escenario: Con aportación <nivel> de <monto> pesos (las demás de 250,000) el proyecto resulta «<resultado>»
      Si una aportación crece, las demás bajan de 25%: con 300,000 de migrantes, la federal queda en 23.8%.
      Dado la aportación <nivel> es de <monto> pesos
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el resultado es "<resultado>"
      Y el criterio "<criterio>" da "<da>"

      Ejemplos:
        | nivel        | monto   | criterio        | resultado   | da        |
        | federal      | 250,000 | federal_share   | elegible    | cumple    |
        | federal      | 240,000 | federal_share   | no elegible | no cumple |
        | estatal      | 250,000 | state_share     | elegible    | cumple    |
        | estatal      | 240,000 | state_share     | no elegible | no cumple |
        | municipal    | 250,000 | municipal_share | elegible    | cumple    |
        | municipal    | 240,000 | municipal_share | no elegible | no cumple |
        | de migrantes | 250,000 | migrant_share   | elegible    | cumple    |
        | de migrantes | 240,000 | migrant_share   | no elegible | no cumple |
        | de migrantes | 300,000 | federal_share   | no elegible | no cumple |

    Escenario: Un proyecto con aportaciones desiguales, leídas de una tabla
      Dado las aportaciones al proyecto son:
        | federal | estatal | municipal | migrantes |
        | 300000  | 200000  | 250000    | 250000    |
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el grupo no es elegible
      Y el criterio "state_share" no se cumple
      Y el criterio "federal_share" se cumple
      Y la explicación cita "Federal Government State Government Municipal Government Migrant group 25% 25% 25% 25%"

    Escenario: Sin las aportaciones no se puede determinar
      Dado no se conocen las aportaciones al proyecto
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces no se puede determinar si el grupo es elegible
      Y la explicación dice que falta "project.migrant_pct"

  Regla: Programa federal desde 2002 (in_force); las fuentes lo describen hasta 2007

    Esquema del escenario: Un proyecto evaluado el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el resultado es "<resultado>"
      Y el criterio "in_force" da "<criterio>"

      Ejemplos:
        | fecha      | resultado              | criterio  |
        | 2001-12-31 | no vigente             | no cumple |
        | 2002-01-01 | elegible               | cumple    |
        | 2007-12-31 | elegible               | cumple    |
        | 2008-01-01 | no se puede determinar | cumple    |

  Regla: Hasta 2004 también proponían grupos de las comunidades de origen (community_groups_accepted)

    Esquema del escenario: Un proyecto propuesto por el grupo de la comunidad el <fecha> resulta «<resultado>»
      Dado el proyecto lo propone el grupo
      Y quien propone está organizado en México
      Y la fecha es <fecha>
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el resultado es "<resultado>"
      Y el criterio "community_groups_accepted" da "<criterio>"

      Ejemplos:
        | fecha      | resultado   | criterio  |
        | 2003-06-30 | elegible    | cumple    |
        | 2004-12-31 | elegible    | cumple    |
        | 2005-01-01 | no elegible | no cumple |
        | 2006-06-30 | no elegible | no cumple |

    Escenario: El 3x1 no aplica a un proyecto en Panamá
      Dado un grupo en la provincia "Panamá"
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el programa no aplica al grupo
      Y el criterio "in_mexico" no se cumple
