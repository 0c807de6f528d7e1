# language: es
@tres_por_uno
Característica: 3x1 para Migrantes — quién propone y cómo se cofinancia
  Un proyecto propuesto por un club o federación de migrantes organizado en el exterior, con al
  menos 25% de cada aportante (federal, estatal, municipal y migrantes) y una aportación
  federal de hasta un millón de pesos, de 2013 a 2018.

  Antecedentes:
    Dado un grupo en el municipio "Fresnillo" de Zacatecas
    Y la fecha es 2016-04-01
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
      Y el único criterio que no se cumple es "state_share"
      Y la explicación muestra el supuesto "25% cada uno"

    Escenario: Sin las aportaciones no se puede determinar
      Dado no se conocen las aportaciones al proyecto
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces no se puede determinar si el grupo es elegible
      Y la explicación dice que falta "project.migrant_pct"

  Regla: La aportación federal no rebasa el tope de un millón de pesos (federal_ceiling)

    Esquema del escenario: Con <monto> pesos de cada aportante el proyecto resulta «<resultado>»
      Dado cada aportación al proyecto es de <monto> pesos
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el resultado es "<resultado>"
      Y el criterio "federal_ceiling" da "<criterio>"

      Ejemplos:
        | monto     | resultado   | criterio  |
        | 999,999   | elegible    | cumple    |
        | 1,000,000 | elegible    | cumple    |
        | 1,000,001 | no elegible | no cumple |

  Regla: Las reglas codificadas estaban vigentes (in_force) y el proyecto está en México (in_mexico)

    Esquema del escenario: Un proyecto evaluado el <fecha> resulta «<resultado>»
      Dado la fecha es <fecha>
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el resultado es "<resultado>"
      Y el criterio "in_force" da "<criterio>"

      Ejemplos:
        | fecha      | resultado   | criterio  |
        | 2012-12-31 | no elegible | no cumple |
        | 2013-01-01 | elegible    | cumple    |
        | 2018-12-31 | elegible    | cumple    |
        | 2019-01-01 | no elegible | no cumple |

    Escenario: Un proyecto en Panamá no es elegible para el 3x1
      Dado un grupo en la provincia "Panamá"
      Cuando se evalúa la elegibilidad para 3x1 para Migrantes
      Entonces el grupo no es elegible
      Y el criterio "in_mexico" no se cumple
